package dev.cairn.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Asks the local Docker engine (its API on a unix socket) which volumes of this driver running
 * containers use: the ground truth the plugin reconciles its reference counts against.
 */
final class DockerEngine {
    private final Path socket;
    private final String driverName;

    DockerEngine(Path socket, String driverName) {
        this.socket = socket;
        this.driverName = driverName;
    }

    /** Volume names of this driver mounted by running containers; empty if Docker cannot be asked. */
    Optional<Set<String>> volumesInUse() {
        try {
            JsonNode containers = PluginHandler.JSON.readTree(get("/containers/json"));
            Set<String> names = new HashSet<>();
            for (JsonNode c : containers) {
                for (JsonNode m : c.path("Mounts")) {
                    if (m.path("Type").asText().equals("volume") && driverName.equals(m.path("Driver").asText())) {
                        names.add(m.path("Name").asText());
                    }
                }
            }
            return Optional.of(names);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The body of a GET, or an error naming Docker's answer. */
    private String get(String path) throws IOException {
        UnixHttp.Answer answer = UnixHttp.exchange(socket, "GET", path, null);
        if (!answer.ok()) {
            throw new IOException("unexpected answer from Docker: " + answer.statusLine());
        }
        return answer.body();
    }
}
