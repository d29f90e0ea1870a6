package dev.cairn.cli.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.cli.AdminClient;
import dev.cairn.cli.AdminCommand;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn node join}: make the (new, empty) node at --endpoint join the cluster of --seed. */
@Command(name = "join", mixinStandardHelpOptions = true,
        description = {"Join the node at --endpoint (a new node with an empty data directory) to the cluster that --seed belongs to.",
                "Needs the cluster token. Joins as a non-voting member unless --voter."})
public final class NodeJoinCommand extends AdminCommand {
    @Option(names = "--seed", required = true, description = "admin URL of any cluster member, e.g. http://10.0.0.1:9400")
    String seed;

    @Option(names = "--voter", description = "join as a voting member (keep 3 or 5 voters in all)")
    boolean voter;

    @Override
    protected void validate() {
        if (!seed.startsWith("http://") && !seed.startsWith("https://")) {
            throw usage("--seed must be an http:// URL, got '" + seed + "'", "e.g. --seed http://10.0.0.1:9400");
        }
        if (connection.token() == null) {
            throw usage("joining needs the cluster token", "--token-file FILE (written by `cairn cluster init`) or CAIRN_TOKEN_FILE");
        }
    }

    @Override
    protected JsonNode run(AdminClient client, PrintWriter out) {
        JsonNode r = client.post("/v1/cluster/join", AdminClient.JSON.createObjectNode()
                .put("seed", seed).put("token", connection.token()).put("voter", voter));
        if (table()) {
            out.println("joined cluster " + r.path("clusterId").asText() + " as a " + r.path("role").asText());
        }
        return r;
    }
}
