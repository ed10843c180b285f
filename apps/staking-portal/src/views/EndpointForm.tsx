"use client";

import type { Node } from "@sesh/sdk";
import { type FormEvent, useState } from "react";
import { useWrongNetwork } from "@/components/NetworkStatus";
import { Button, describedBy, Field } from "@/components/ui";
import { endpointError } from "@/lib/payload";
import { useTx } from "@/lib/tx";
import { loadWrites } from "@/lib/writes";

/** Lets the operator move the node's relay to a new host:port. */
export function EndpointForm({ node }: { node: Node }) {
  const { busy, active, run } = useTx();
  const wrongNetwork = useWrongNetwork();
  const [endpoint, setEndpoint] = useState("");
  const title = `Update endpoint of node #${node.id}`;
  const error = endpoint.trim() === "" ? undefined : endpointError(endpoint.trim());
  const unchanged = endpoint.trim() === node.endpoint;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = endpoint.trim();
    const result = await run(
      title,
      async (c) => (await loadWrites()).updateEndpoint(c, { nodeId: node.id, endpoint: next }),
      {
        success: () => `Node #${node.id} now relays at ${next}.`,
      },
    );
    if (result) setEndpoint("");
  };

  return (
    <form className="stack-sm" onSubmit={submit} noValidate aria-label={title}>
      <Field
        label="New endpoint"
        htmlFor="node-endpoint"
        error={error ?? (unchanged ? "That is the current endpoint." : undefined)}
        hint={`Now ${node.endpoint}. Contributors and relays follow the change at once.`}
      >
        <input
          id="node-endpoint"
          className="input mono"
          placeholder="relay.example.org:22021"
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy("node-endpoint", error, true)}
        />
      </Field>
      <Button
        type="submit"
        disabled={busy || wrongNetwork || endpoint.trim() === "" || Boolean(error) || unchanged}
        busy={active === title}
      >
        Update endpoint
      </Button>
    </form>
  );
}
