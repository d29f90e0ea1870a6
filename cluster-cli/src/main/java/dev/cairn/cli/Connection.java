package dev.cairn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every admin command shares: where the node is and the cluster token. */
public final class Connection {
    @Option(names = "--endpoint", description = "admin API of any node (default: $CAIRN_ENDPOINT or http://127.0.0.1:9400)")
    String endpoint;

    @Option(names = "--token", description = "cluster token (default: $CAIRN_TOKEN)")
    String token;

    @Option(names = "--token-file", description = "file holding the cluster token (default: $CAIRN_TOKEN_FILE)")
    Path tokenFile;

    public String endpoint() {
        if (endpoint != null) {
            return endpoint;
        }
        String env = System.getenv("CAIRN_ENDPOINT");
        return env != null && !env.isBlank() ? env : "http://127.0.0.1:9400";
    }

    /** The token, or null when none is configured (the node then answers 401 with a hint). */
    public String token() {
        if (token != null) {
            return token;
        }
        Path file = tokenFile;
        if (file == null && System.getenv("CAIRN_TOKEN") != null) {
            return System.getenv("CAIRN_TOKEN");
        }
        if (file == null && System.getenv("CAIRN_TOKEN_FILE") != null) {
            file = Path.of(System.getenv("CAIRN_TOKEN_FILE"));
        }
        if (file == null) {
            return null;
        }
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot read the token file " + file + ": " + e.getMessage(),
                    "`cairn cluster init` writes it to the node's data directory (token)");
        }
    }

    public AdminClient client() {
        return new AdminClient(endpoint(), token());
    }
}
