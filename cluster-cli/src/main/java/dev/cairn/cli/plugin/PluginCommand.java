package dev.cairn.cli.plugin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.cairn.plugin.CairnPlugin;
import dev.cairn.plugin.PluginConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn plugin run}: the Docker volume plugin for this host's node. */
@Command(name = "plugin", mixinStandardHelpOptions = true, description = "The Docker volume plugin.",
        subcommands = {PluginCommand.Run.class})
public final class PluginCommand {

    /** {@code cairn plugin run}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Serve the Docker volume plugin protocol (start it before docker.service).")
    public static final class Run implements Callable<Integer> {
        private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

        @Option(names = "--socket", description = "plugin socket; its name is the driver name (default: /run/docker/plugins/cairn.sock)")
        Path socket = Path.of("/run/docker/plugins/cairn.sock");

        @Option(names = "--endpoint", description = "admin API of this host's node (default: $CAIRN_ENDPOINT or http://127.0.0.1:9400)")
        String endpoint;

        @Option(names = "--token-file", description = "cluster token file (default: $CAIRN_TOKEN_FILE; or $CAIRN_TOKEN)")
        Path tokenFile;

        @Option(names = "--state-dir", description = "mount table and mount points (default: /var/lib/cairn-plugin)")
        Path stateDir = Path.of("/var/lib/cairn-plugin");

        @Option(names = "--docker-socket", description = "Docker engine API, for reconciling mounts (default: /var/run/docker.sock)")
        Path dockerSocket = Path.of("/var/run/docker.sock");

        @Option(names = "--attach-wait", description = "how long a Mount waits for a silent holder to be declared down (default: 90s)")
        String attachWait = "90s";

        @Option(names = "--reconcile-every", description = "how often mounts are checked against running containers (default: 60s)")
        String reconcileEvery = "60s";

        @Override
        public Integer call() throws Exception {
            String ep = endpoint != null ? endpoint : System.getenv().getOrDefault("CAIRN_ENDPOINT", "http://127.0.0.1:9400");
            Path token = tokenFile != null ? tokenFile
                    : System.getenv("CAIRN_TOKEN_FILE") != null ? Path.of(System.getenv("CAIRN_TOKEN_FILE")) : null;
            Duration wait;
            Duration every;
            URI uri;
            try {
                wait = duration("--attach-wait", attachWait);
                every = duration("--reconcile-every", reconcileEvery);
                uri = URI.create(ep.endsWith("/") ? ep : ep + "/");
                if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new IllegalArgumentException("--endpoint must be an http:// URL, e.g. http://127.0.0.1:9400, got " + ep);
                }
            } catch (IllegalArgumentException e) {
                System.err.println("cairn: " + e.getMessage());
                return 2;
            }
            if (token != null && !Files.isReadable(token)) {
                System.err.println("cairn: cannot read the token file " + token + " (written by `cairn cluster init` on the first node)");
                return 2;
            }
            if (!socket.getFileName().toString().endsWith(".sock")) {
                System.err.println("cairn: --socket must end in .sock (Docker finds plugins as /run/docker/plugins/<driver>.sock), got " + socket);
                return 2;
            }
            ((Logger) LoggerFactory.getLogger("dev.cairn")).setLevel(Level.INFO);
            CairnPlugin plugin;
            try {
                plugin = new CairnPlugin(new PluginConfig(socket, uri, token, stateDir, dockerSocket, wait, every)).start();
            } catch (RuntimeException e) {
                System.err.println("cairn: the plugin could not start: " + e.getMessage());
                return 1;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                plugin.close();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
            return 0;
        }

        static Duration duration(String option, String text) {
            Matcher m = DURATION.matcher(text.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException(option + " takes a duration like 90s, 2m or 500ms, got '" + text + "'");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        }
    }
}
