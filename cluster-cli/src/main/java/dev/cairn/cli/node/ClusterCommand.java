package dev.cairn.cli.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.cli.AdminClient;
import dev.cairn.cli.AdminCommand;
import dev.cairn.cli.Table;
import dev.cairn.volume.api.ByteSize;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn cluster init|status}. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Form a cluster and see its state.",
        subcommands = {ClusterCommand.Init.class, ClusterCommand.Status.class})
public final class ClusterCommand {

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Form a cluster: the node at --endpoint and every --peer become its voting members.",
                    "Writes the cluster token to <data-dir>/token on that node."})
    static final class Init extends AdminCommand {
        @Option(names = "--peer", description = "another initial voter, ID=HOST:RAFTPORT (repeat; 3 or 5 voters in all is best)")
        List<String> peers = List.of();

        @Override
        protected void validate() {
            for (String p : peers) {
                int eq = p.indexOf('=');
                if (eq <= 0 || p.lastIndexOf(':') < eq) {
                    throw usage("--peer takes ID=HOST:PORT, got '" + p + "'", "e.g. --peer node-2=10.0.0.2:9500");
                }
            }
        }

        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            ObjectNode body = AdminClient.JSON.createObjectNode();
            ArrayNode list = body.putArray("peers");
            for (String p : peers) {
                int eq = p.indexOf('=');
                list.addObject().put("id", p.substring(0, eq)).put("raftAddress", p.substring(eq + 1));
            }
            JsonNode r = client.post("/v1/cluster/init", body);
            if (table()) {
                out.println("formed cluster " + r.path("clusterId").asText() + " with " + (peers.size() + 1) + " voting nodes");
                out.println("cluster token written to " + r.path("tokenFile").asText() + " (mode 0600) on that node;");
                out.println("mutating commands need it: --token-file FILE or export CAIRN_TOKEN_FILE=FILE");
            }
            return r;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Nodes, liveness, the cluster leader, volume health.")
    static final class Status extends AdminCommand {
        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            JsonNode s = client.get("/v1/cluster");
            if (table()) {
                out.println("cluster: " + s.path("clusterId").asText() + "   leader: " + s.path("leader").asText("-"));
                out.println();
                Table nodes = new Table("NODE", "RAFT", "ZONE", "LIVENESS", "VOTING", "USED", "CAPACITY");
                for (JsonNode n : s.path("nodes")) {
                    nodes.row(n.path("id").asText(), n.path("address").asText(), n.path("zone").asText(), n.path("liveness").asText(),
                            n.path("voting").asBoolean() ? "yes" : "no", ByteSize.format(n.path("usedBytes").asLong()),
                            ByteSize.format(n.path("capacityBytes").asLong()));
                }
                nodes.print(out);
                out.println();
                Table volumes = new Table("VOLUME", "STATE", "PRIMARY", "REPLICAS", "LIVE", "PROGRESS");
                for (JsonNode v : s.path("volumes")) {
                    volumes.row(v.path("name").asText(), v.path("state").asText(), v.path("primary").asText("-"), v.path("replicas").asInt(),
                            v.path("liveReplicas").asInt(), v.path("progress").asText().isEmpty() ? "-" : v.path("progress").asText());
                }
                volumes.print(out);
            }
            return s;
        }
    }
}
