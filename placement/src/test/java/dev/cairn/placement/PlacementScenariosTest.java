package dev.cairn.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Table tests in the style of etcd raft's testdata: each case in src/test/resources/placement/*.txt
 * gives the nodes, one decision to make and the expected answer. Every placement case is also run
 * on 20 shuffles of its node list, which must not change the answer.
 */
class PlacementScenariosTest {

    record Case(String file, String name, List<NodeInfo> nodes, String command, String expected) {
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("new-volume.txt", "repair.txt", "primary.txt")) {
            for (Case c : parse(file)) {
                tests.add(DynamicTest.dynamicTest(file + ": " + c.name(), () -> {
                    String got = run(c.nodes(), c.command());
                    if (c.expected().contains(":")) {
                        String prefix = c.expected().substring(0, c.expected().indexOf(':') + 1);
                        assertTrue(got.startsWith(prefix) && got.contains(c.expected().substring(prefix.length()).trim()),
                                c.name() + "\n  expected: " + c.expected() + "\n  got:      " + got);
                    } else {
                        assertEquals(c.expected(), got, c.name());
                    }
                    Random random = new Random(42);
                    for (int i = 0; i < 20; i++) {
                        List<NodeInfo> shuffled = new ArrayList<>(c.nodes());
                        Collections.shuffle(shuffled, random);
                        assertEquals(got, run(shuffled, c.command()), "the order of the node list changed the answer");
                    }
                }));
            }
        }
        assertTrue(tests.size() >= 25, "found " + tests.size() + " cases");
        return tests.stream();
    }

    static String run(List<NodeInfo> nodes, String command) {
        String[] words = command.split(" ");
        Map<String, String> args = new HashMap<>();
        for (int i = 1; i < words.length; i++) {
            String[] kv = words[i].split("=", 2);
            args.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return switch (words[0]) {
            case "place" -> switch (Placement.newVolume(nodes, args.get("requester"), Long.parseLong(args.get("size")),
                    Integer.parseInt(args.get("replicas")))) {
                case PlacementResult.Placed p -> String.join(" ", p.nodes());
                case PlacementResult.Unplaceable u -> "unplaceable: " + u.reason();
            };
            case "repair" -> switch (Placement.repair(nodes, list(args.get("set")), Long.parseLong(args.get("size")))) {
                case RepairResult.Healthy h -> "healthy";
                case RepairResult.Replace r -> "replace set=" + String.join(",", r.replicaSet()) + " removed="
                        + String.join(",", r.removed()) + " added=" + String.join(",", r.added());
                case RepairResult.CannotRepair c -> "cannot: " + c.reason();
            };
            case "primary" -> {
                Map<String, Long> applied = new HashMap<>();
                for (String a : list(args.get("applied"))) {
                    String[] kv = a.split(":");
                    applied.put(kv[0], Long.parseLong(kv[1]));
                }
                Set<String> up = new HashSet<>(list(args.get("up")));
                yield Placement.primaryFor(list(args.get("set")), applied, up, args.get("host"))
                        .map(d -> d.primary() + (d.local() ? " local" : " remote")).orElse("none");
            }
            default -> throw new IllegalArgumentException("unknown command " + words[0]);
        };
    }

    static List<String> list(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    /** node spec: id@zone[/UP|SUSPECT|DOWN][/free=N][/cordoned] */
    static NodeInfo node(String spec) {
        String[] parts = spec.split("/");
        String[] idZone = parts[0].split("@");
        Liveness liveness = Liveness.UP;
        long free = 1000;
        boolean cordoned = false;
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].startsWith("free=")) {
                free = Long.parseLong(parts[i].substring(5));
            } else if (parts[i].equals("cordoned")) {
                cordoned = true;
            } else {
                liveness = Liveness.valueOf(parts[i]);
            }
        }
        return new NodeInfo(idZone[0], idZone[1], liveness, 10_000, 10_000 - free, cordoned);
    }

    static List<Case> parse(String file) throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = PlacementScenariosTest.class.getResourceAsStream("/placement/" + file)) {
            String name = null;
            List<NodeInfo> nodes = null;
            String command = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("case ")) {
                    name = line.substring(5);
                } else if (line.startsWith("nodes ")) {
                    nodes = Arrays.stream(line.substring(6).trim().split("\\s+")).map(PlacementScenariosTest::node).toList();
                } else if (line.startsWith("=> ")) {
                    cases.add(new Case(file, name, nodes, command, line.substring(3)));
                } else {
                    command = line;
                }
            }
        }
        return cases;
    }
}
