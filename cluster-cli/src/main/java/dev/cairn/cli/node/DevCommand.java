package dev.cairn.cli.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn dev up|down|status}: the embedded three-node cluster on this machine. */
@Command(name = "dev", mixinStandardHelpOptions = true,
        description = "A local cluster on this machine for trying Cairn: three nodes on loopback ports.",
        subcommands = {DevCommand.Up.class, DevCommand.Down.class})
public final class DevCommand {

    abstract static class Base {
        @Option(names = "--dir", description = "where the nodes keep their data and logs (default: .cairn/dev)")
        Path dir = Path.of(".cairn", "dev");

        @Option(names = "--nodes", description = "how many nodes (default: 3)")
        int nodes = 3;

        @Option(names = "--port-offset", description = "added to every port (default: 0: node 1 on 9400/10809/9500)")
        int portOffset;

        DevCluster cluster() {
            return new DevCluster(dir, nodes, portOffset);
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start the local cluster (or the nodes of it that are down) and make a volume ready to use.")
    static final class Up extends Base implements Callable<Integer> {
        @Option(names = "--volume", description = "volume to create if missing (default: demo)")
        String volume = "demo";

        @Option(names = "--size", description = "its size (default: 1G)")
        String size = "1G";

        @Option(names = "--replicas", description = "its replica count (default: min(3, nodes))")
        int replicas;

        @Option(names = "--set", description = "node setting for every node, KEY=VALUE as in conf/node.yaml")
        java.util.List<String> settings = java.util.List.of();

        @Override
        public Integer call() throws Exception {
            if (nodes < 1 || nodes > 5) {
                System.err.println("cairn: --nodes must be 1..5");
                return 2;
            }
            DevCluster c = cluster();
            c.settings.addAll(settings);
            return new DevUp(c, volume, size, replicas == 0 ? Math.min(3, nodes) : replicas).run();
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop the local cluster's nodes (data is kept unless --purge).")
    static final class Down extends Base implements Callable<Integer> {
        @Option(names = "--purge", description = "also delete the data directory")
        boolean purge;

        @Override
        public Integer call() throws Exception {
            DevCluster c = cluster();
            int stopped = 0;
            for (int i = 1; i <= c.nodes; i++) {
                Optional<ProcessHandle> p = c.running(i);
                if (p.isPresent()) {
                    p.get().destroy();
                    try {
                        p.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        p.get().destroyForcibly();
                    }
                    stopped++;
                    System.out.println("stopped " + c.id(i) + " (pid " + p.get().pid() + ")");
                }
            }
            if (stopped == 0) {
                System.out.println("no local cluster nodes were running under " + c.dir);
            }
            if (purge && Files.exists(c.dir)) {
                try (Stream<Path> walk = Files.walk(c.dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    System.err.println("cairn: could not delete " + c.dir + ": " + e.getMessage());
                    return 1;
                }
                System.out.println("deleted " + c.dir);
            }
            return 0;
        }
    }
}
