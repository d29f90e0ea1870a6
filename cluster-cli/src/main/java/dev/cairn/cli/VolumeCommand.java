package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.volume.api.ByteSize;
import dev.cairn.volume.api.VolumeNames;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn volume create|ls|inspect|rm|attach|detach}. */
@Command(name = "volume", mixinStandardHelpOptions = true, description = "Create, list, inspect, attach and remove volumes.",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Inspect.class, VolumeCommand.Rm.class,
                VolumeCommand.Attach.class, VolumeCommand.Detach.class})
public final class VolumeCommand {

    static String name(String name) {
        try {
            return VolumeNames.validate(name);
        } catch (IllegalArgumentException e) {
            throw AdminCommand.usage(e.getMessage(), null);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a volume.")
    static final class Create extends AdminCommand {
        @Parameters(index = "0", description = "volume name")
        String name;

        @Option(names = "--size", required = true, description = "size, e.g. 256M, 10G (binary units)")
        String size;

        @Option(names = "--replicas", description = "replica count 1..5 (default: the node's default-replicas, at most the node count)")
        int replicas;

        @Option(names = "--fs", description = "filesystem the Docker plugin formats it with on first mount: ext4 or xfs (default: none, a raw block volume)")
        String filesystem;

        @Option(names = "--host", description = "node whose replica comes first (default: the node you ask)")
        String host;

        long bytes;

        @Override
        protected void validate() {
            name(name);
            try {
                bytes = ByteSize.parse(size);
            } catch (IllegalArgumentException e) {
                throw usage("--size: " + e.getMessage(), null);
            }
            if (bytes <= 0 || bytes % 4096 != 0) {
                throw usage("--size must be a positive multiple of 4K, got " + size, "e.g. --size 1G");
            }
            if (replicas < 0 || replicas > 5) {
                throw usage("--replicas must be between 1 and 5, got " + replicas, null);
            }
            if (filesystem != null && !filesystem.equals("ext4") && !filesystem.equals("xfs")) {
                throw usage("--fs must be ext4 or xfs, got " + filesystem, null);
            }
        }

        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            ObjectNode body = AdminClient.JSON.createObjectNode().put("name", name).put("sizeBytes", bytes).put("replicas", replicas);
            if (host != null) {
                body.put("host", host);
            }
            if (filesystem != null) {
                body.put("filesystem", filesystem);
            }
            JsonNode v = client.post("/v1/volumes", body);
            if (table()) {
                out.println("created volume " + name + " (" + ByteSize.format(bytes) + ", " + v.path("replicas").asInt() + " replicas on "
                        + String.join(", ", v.path("replicaSet").findValuesAsText("node")) + ")");
            }
            return v;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List volumes.")
    static final class Ls extends AdminCommand {
        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            JsonNode list = client.get("/v1/volumes");
            if (table()) {
                Table t = new Table("NAME", "SIZE", "REPLICAS", "STATE", "PRIMARY", "ATTACHED");
                for (JsonNode v : list.path("volumes")) {
                    t.row(v.path("name").asText(), ByteSize.format(v.path("sizeBytes").asLong()), v.path("replicas").asInt(),
                            v.path("state").asText(), text(v.path("primary")), text(v.path("attachment").path("host")));
                }
                t.print(out);
            }
            return list;
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show one volume: replicas, primary, attachment, NBD URI.")
    static final class Inspect extends AdminCommand {
        @Parameters(index = "0", description = "volume name")
        String name;

        @Override
        protected void validate() {
            name(name);
        }

        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            JsonNode v = client.get("/v1/volumes/" + name);
            if (table()) {
                out.println("name:       " + v.path("name").asText());
                out.println("size:       " + ByteSize.format(v.path("sizeBytes").asLong()) + " (" + v.path("sizeBytes").asLong() + " bytes)");
                out.println("state:      " + v.path("state").asText());
                out.println("primary:    " + text(v.path("primary")));
                out.println("nbd:        " + text(v.path("nbd")));
                JsonNode a = v.path("attachment");
                out.println("attached:   " + (a.isMissingNode() || a.isNull() ? "-" : a.path("host").asText() + " (epoch " + a.path("epoch").asLong() + ")"));
                out.println("created:    " + v.path("createdAt").asText());
                out.println("replicas:   " + v.path("replicas").asInt());
                Table t = new Table("  NODE", "ROLE", "UP", "APPLIED", "PROGRESS");
                for (JsonNode r : v.path("replicaSet")) {
                    t.row("  " + r.path("node").asText(), r.path("role").asText(), r.path("up").asBoolean() ? "yes" : "no",
                            r.path("appliedIndex").asLong(), r.path("progress").asText());
                }
                t.print(out);
            }
            return v;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a volume (refused while attached).")
    static final class Rm extends AdminCommand {
        @Parameters(index = "0", description = "volume name")
        String name;

        @Override
        protected void validate() {
            name(name);
        }

        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            client.delete("/v1/volumes/" + name);
            if (table()) {
                out.println("removed volume " + name);
            }
            return AdminClient.JSON.createObjectNode().put("removed", name);
        }
    }

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = "Attach a volume to a host: a new epoch, and the primary moves there.")
    static final class Attach extends AdminCommand {
        @Parameters(index = "0", description = "volume name")
        String name;

        @Option(names = "--host", required = true, description = "node id to attach to")
        String host;

        @Option(names = "--force", description = "take it from a live holder, fencing that holder's writes")
        boolean force;

        @Override
        protected void validate() {
            name(name);
        }

        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            JsonNode v = client.post("/v1/volumes/" + name + "/attach", AdminClient.JSON.createObjectNode().put("host", host).put("force", force));
            if (table()) {
                out.println("attached " + name + " to " + host + " (epoch " + v.path("attachment").path("epoch").asLong() + ")");
            }
            return v;
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true, description = "Detach a volume from a host.")
    static final class Detach extends AdminCommand {
        @Parameters(index = "0", description = "volume name")
        String name;

        @Option(names = "--host", required = true, description = "node id it is attached to")
        String host;

        @Override
        protected void validate() {
            name(name);
        }

        @Override
        protected JsonNode run(AdminClient client, PrintWriter out) {
            JsonNode v = client.post("/v1/volumes/" + name + "/detach", AdminClient.JSON.createObjectNode().put("host", host));
            if (table()) {
                out.println("detached " + name + " from " + host);
            }
            return v;
        }
    }

    static String text(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() || node.asText().isEmpty() ? "-" : node.asText();
    }
}
