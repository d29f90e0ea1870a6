// Renders a CPU flame graph from a Java Flight Recorder recording, with nothing but the JDK.
//   java bench/FlameGraph.java [--events jdk.ExecutionSample[,jdk.NativeMethodSample]] [--title T]
//        [--include-threads] recording.jfr out.svg [out.collapsed]
// Folds the stack traces of the chosen events into collapsed stacks (root first, frames
// `pkg.Class.method` separated by `;`, sample count at the end: Brendan Gregg's format, which
// flamegraph.pl, speedscope and others read) and draws a static SVG: root at the bottom, width
// proportional to samples, a tooltip (<title>) per frame. Stacks that JFR cut at its stack depth
// (-XX:FlightRecorderOptions:stackdepth, 64 by default) get a "[truncated]" root frame, as their
// real root is unknown. Exit codes: 0 ok, 1 usage or unreadable file, 2 no matching events.
import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

public class FlameGraph {
    static final int WIDTH = 1200, PAD = 10, FRAME_H = 16, FONT = 12, HEADER = 64, FOOTER = 10;
    static final double MIN_FRACTION = 0.001; // frames narrower than 0.1% of all samples are dropped
    static final double CHAR_W = FONT * 0.59;  // average glyph width of Verdana at this size
    static int omitted;                         // frames dropped for being too narrow (with their callees)

    /** One frame in the merged call tree; children sorted by name, like flamegraph.pl. */
    static final class Node {
        final String name;
        long samples;
        final Map<String, Node> children = new TreeMap<>();
        Node(String name) { this.name = name; }
        Node child(String n) { return children.computeIfAbsent(n, Node::new); }
    }

    /** Colour families, in the order they are tried; the legend lists them the same way. */
    enum Kind {
        CAIRN("dev.cairn", 0, 15), RATIS("org.apache.ratis", 205, 20), NETTY("io.netty", 120, 25),
        ROCKSDB("org.rocksdb", 275, 20), JDK("JDK", 32, 18), OTHER("other", 175, 15), SPECIAL("thread/marker", 0, 0);
        final String label; final int hue, hueSpread;
        Kind(String label, int hue, int hueSpread) { this.label = label; this.hue = hue; this.hueSpread = hueSpread; }

        static Kind of(String frame) {
            if (frame.startsWith("[") || frame.equals("all")) return SPECIAL;
            if (frame.startsWith("dev.cairn.")) return CAIRN;
            if (frame.startsWith("io.netty.") || frame.startsWith("org.apache.ratis.thirdparty.io.netty.")) return NETTY;
            if (frame.startsWith("org.apache.ratis.thirdparty.")) return OTHER; // Ratis's shaded gRPC, protobuf, ...
            if (frame.startsWith("org.apache.ratis.")) return RATIS;
            if (frame.startsWith("org.rocksdb.")) return ROCKSDB;
            for (String p : new String[] {"java.", "javax.", "jdk.", "sun.", "com.sun."})
                if (frame.startsWith(p)) return JDK;
            return OTHER;
        }

        /** A colour of this family that is stable for a given frame name. */
        String color(String frame) {
            if (this == SPECIAL) return "rgb(200,200,200)";
            int h = frame.hashCode() & 0x7fffffff;
            double hue = this.hue + (h % 1000) / 1000.0 * hueSpread;
            double light = 0.62 + ((h / 1000) % 100) / 100.0 * 0.14;
            return hsl(hue, this == OTHER ? 0.35 : 0.70, light);
        }
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IOException e) { // writing the outputs
            System.err.println("FlameGraph: cannot write " + e.getMessage() + " (" + e.getClass().getSimpleName() + ")");
            System.exit(1);
        }
    }

    static int run(String[] args) throws IOException {
        Set<String> events = new LinkedHashSet<>(List.of("jdk.ExecutionSample"));
        String title = null;
        boolean threads = false;
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> {
                    if (++i == args.length) return usage("--events needs a value");
                    events = new LinkedHashSet<>(Arrays.asList(args[i].split(",")));
                }
                case "--title" -> {
                    if (++i == args.length) return usage("--title needs a value");
                    title = args[i];
                }
                case "--include-threads" -> threads = true;
                case "-h", "--help" -> { return usage(null); }
                default -> {
                    if (args[i].startsWith("--")) return usage("unknown option " + args[i]);
                    files.add(args[i]);
                }
            }
        }
        if (files.size() < 2 || files.size() > 3) return usage("expected recording.jfr out.svg [out.collapsed]");
        Path jfr = Path.of(files.get(0));
        if (!Files.isRegularFile(jfr)) {
            System.err.println("FlameGraph: no such recording: " + jfr);
            return 1;
        }

        // 1. Fold the stacks: collapsed line -> number of samples.
        Map<String, Long> folded = new TreeMap<>();
        long total = 0;
        Set<String> present = new LinkedHashSet<>();
        try (RecordingFile rf = new RecordingFile(jfr)) {
            for (EventType t : rf.readEventTypes()) present.add(t.getName());
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                if (!events.contains(e.getEventType().getName())) continue;
                folded.merge(fold(e, threads), 1L, Long::sum);
                total++;
            }
        } catch (NoSuchFileException e) {
            System.err.println("FlameGraph: no such recording: " + jfr);
            return 1;
        } catch (IOException e) {
            System.err.println("FlameGraph: cannot read " + jfr + " as a JFR recording: " + e.getMessage());
            return 1;
        }
        if (total == 0) {
            List<String> missing = events.stream().filter(n -> !present.contains(n)).toList();
            System.err.println("FlameGraph: no " + String.join("/", events) + " events in " + jfr
                    + (missing.isEmpty() ? "" : " (it has no event type " + String.join(", ", missing) + ")"));
            return 2;
        }
        if (files.size() == 3) {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(files.get(2))))) {
                folded.forEach((stack, n) -> w.println(stack + " " + n));
            }
        }

        // 2. Merge the stacks into one tree under "all".
        Node root = new Node("all");
        for (Map.Entry<String, Long> s : folded.entrySet()) {
            root.samples += s.getValue();
            Node n = root;
            for (String f : s.getKey().split(";")) {
                n = n.child(f);
                n.samples += s.getValue();
            }
        }

        // 3. Draw it.
        if (title == null) title = "CPU: " + jfr.getFileName();
        long minSamples = (long) Math.ceil(total * MIN_FRACTION);
        int depth = levels(root, minSamples);
        int height = HEADER + depth * FRAME_H + FOOTER;
        StringBuilder body = new StringBuilder();
        draw(body, root, height - FOOTER - FRAME_H, PAD, (WIDTH - 2.0 * PAD) / total, total, minSamples);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<?xml version=\"1.0\" standalone=\"no\"?>%n"
                + "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\">%n",
                WIDTH, height, WIDTH, height));
        svg.append("<style>text{font-family:Verdana,sans-serif;font-size:").append(FONT).append("px;fill:#000}")
           .append(" rect{stroke:#fff;stroke-width:0.5} g:hover rect{stroke:#000;stroke-width:1}</style>\n");
        svg.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8f8f4\" style=\"stroke:none\"/>%n", WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" style=\"font-size:16px\">%s</text>%n",
                WIDTH / 2, esc(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"38\">%,d samples of %s; %s</text>%n", PAD, total, esc(String.join(", ", events)),
                omitted == 0 ? "all frames shown" : String.format(Locale.ROOT, "%,d frames under %.1f%% omitted", omitted, MIN_FRACTION * 100)));
        // Legend line: a swatch and the name of each colour family.
        double lx = PAD;
        for (Kind k : Kind.values()) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.0f\" y=\"44\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%.0f\" y=\"54\">%s</text>%n", lx, k.color(k.label + ".x"), lx + 15, esc(k.label)));
            lx += 22 + k.label.length() * CHAR_W;
        }
        svg.append(body);
        svg.append("</svg>\n");
        Files.writeString(Path.of(files.get(1)), svg);
        System.err.printf(Locale.ROOT, "FlameGraph: %s: %,d samples, %,d distinct stacks, %d levels -> %s%n",
                jfr.getFileName(), total, folded.size(), depth, files.get(1));
        return 0;
    }

    /** The collapsed-stack line of one event: [thread;][[truncated];]root;...;leaf. */
    static String fold(RecordedEvent e, boolean threads) {
        List<String> frames = new ArrayList<>();
        if (threads) {
            RecordedThread t = e.hasField("sampledThread") ? e.getThread("sampledThread") : e.getThread();
            String name = t == null ? null : t.getJavaName() != null ? t.getJavaName() : t.getOSName();
            frames.add("[" + clean(name == null ? "unknown thread" : name) + "]");
        }
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
            frames.add("[no stack]");
            return String.join(";", frames);
        }
        if (st.isTruncated()) frames.add("[truncated]");
        List<RecordedFrame> fs = st.getFrames(); // leaf first
        for (int i = fs.size() - 1; i >= 0; i--) {
            RecordedFrame f = fs.get(i);
            String type = f.getMethod().getType().getName();
            // Hidden classes (lambdas) carry an address that differs per run; drop it so they merge.
            type = type.replaceAll("[/.]0x[0-9a-fA-F]+$", "").replaceAll("\\$\\$Lambda\\$\\d+", "\\$\\$Lambda");
            frames.add(clean(type + "." + f.getMethod().getName()));
        }
        return String.join(";", frames);
    }

    /** Frame names must not contain the separators of the collapsed format. */
    static String clean(String s) {
        return s.replace(';', ':').replace('\n', ' ');
    }

    /** How many levels the drawing of n has, counting only frames wide enough to be drawn. */
    static int levels(Node n, long minSamples) {
        int max = 0;
        for (Node c : n.children.values()) if (c.samples >= minSamples) max = Math.max(max, levels(c, minSamples));
        return 1 + max;
    }

    /** Appends the box of n with its top at y, and above it (recursively) those of its callees. */
    static void draw(StringBuilder out, Node n, int y, double x, double scale, long total, long minSamples) {
        double w = n.samples * scale;
        String info = String.format(Locale.ROOT, "%s (%,d samples, %.2f%%)", n.name, n.samples, 100.0 * n.samples / total);
        String label = fit(n.name, w);
        out.append(String.format(Locale.ROOT, "<g><title>%s</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>",
                esc(info), x, y, w, FRAME_H - 1, Kind.of(n.name).color(n.name)));
        if (!label.isEmpty()) // baseline a little above the bottom of the box
            out.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%d\">%s</text>", x + 3, y + FRAME_H - 4, esc(label)));
        out.append("</g>\n");
        double cx = x;
        for (Node c : n.children.values()) {
            if (c.samples >= minSamples) draw(out, c, y - FRAME_H, cx, scale, total, minSamples);
            else omitted++;
            cx += c.samples * scale; // dropped frames still take their place, so widths stay exact
        }
    }

    /** The label for a box of the given width: the frame name, else without its package, else cut ("" if too narrow). */
    static String fit(String name, double width) {
        int chars = (int) ((width - 6) / CHAR_W);
        if (chars < 3) return "";
        if (name.length() <= chars) return name;
        if (name.startsWith("[")) return name.substring(0, chars - 2) + "..";
        int method = name.lastIndexOf('.'), pkg = method < 0 ? -1 : name.lastIndexOf('.', method - 1);
        String s = pkg < 0 ? name : name.substring(pkg + 1); // Class.method
        return s.length() <= chars ? s : s.substring(0, chars - 2) + "..";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String hsl(double h, double s, double l) {
        double c = (1 - Math.abs(2 * l - 1)) * s, hp = (h % 360) / 60, x = c * (1 - Math.abs(hp % 2 - 1)), m = l - c / 2;
        double[] rgb = hp < 1 ? new double[] {c, x, 0} : hp < 2 ? new double[] {x, c, 0} : hp < 3 ? new double[] {0, c, x}
                : hp < 4 ? new double[] {0, x, c} : hp < 5 ? new double[] {x, 0, c} : new double[] {c, 0, x};
        return String.format(Locale.ROOT, "rgb(%d,%d,%d)", Math.round((rgb[0] + m) * 255), Math.round((rgb[1] + m) * 255),
                Math.round((rgb[2] + m) * 255));
    }

    static int usage(String problem) {
        if (problem != null) System.err.println("FlameGraph: " + problem);
        System.err.println("usage: java bench/FlameGraph.java [--events jdk.ExecutionSample[,jdk.NativeMethodSample]]"
                + " [--title T] [--include-threads] recording.jfr out.svg [out.collapsed]");
        return problem == null ? 0 : 1;
    }
}
