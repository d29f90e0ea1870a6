package dev.cairn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The CLI against a fake admin endpoint that records requests (a fake is fine here: the real node
 * is exercised by the ITs). Bad arguments never reach the node and exit 2.
 */
class CliTest {
    HttpServer server;
    final List<String> requests = new ArrayList<>();
    int status = 200;
    String body = "{}";
    String endpoint;

    @BeforeEach
    void startFake() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String in = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + in + (auth == null ? "" : " auth=" + auth));
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopFake() {
        server.stop(0);
    }

    record Run(int exit, String out, String err) {
    }

    Run cairn(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void createSendsTheRequestWithTheToken() {
        status = 201;
        body = "{\"name\":\"db\",\"replicas\":3,\"replicaSet\":[{\"node\":\"a\"},{\"node\":\"b\"},{\"node\":\"c\"}]}";
        Run r = cairn("volume", "create", "db", "--size", "10G", "--replicas", "3", "--endpoint", endpoint, "--token", "s3cret");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("POST /v1/volumes {\"name\":\"db\",\"sizeBytes\":10737418240,\"replicas\":3} auth=Bearer s3cret"), requests);
        assertTrue(r.out().contains("created volume db (10G, 3 replicas on a, b, c)"), r.out());
    }

    @Test
    void badArgumentsExit2AndSendNothing() {
        for (String[] args : List.of(
                new String[] {"volume", "create", "bad/name", "--size", "1G"},
                new String[] {"volume", "create", "db", "--size", "lots"},
                new String[] {"volume", "create", "db", "--size", "1000"},
                new String[] {"volume", "create", "db", "--size", "1G", "--replicas", "7"},
                new String[] {"volume", "create", "db"},
                new String[] {"volume", "inspect", ""},
                new String[] {"cluster", "init", "--peer", "nonsense"},
                new String[] {"volume", "frobnicate"})) {
            String[] withEndpoint = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--endpoint", endpoint)).toArray(String[]::new);
            Run r = cairn(args[1].equals("frobnicate") ? args : withEndpoint);
            assertEquals(2, r.exit(), String.join(" ", args) + "\n" + r.err());
            assertTrue(!r.err().isBlank(), "an explanation is printed for " + String.join(" ", args));
        }
        assertEquals(List.of(), requests);
    }

    @Test
    void refusalsPrintTheErrorAndTheHintAndExit1() {
        status = 404;
        body = "{\"error\":\"no volume named ghost\",\"hint\":\"`cairn volume ls` lists the volumes\"}";
        Run r = cairn("volume", "inspect", "ghost", "--endpoint", endpoint);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("cairn: no volume named ghost"), r.err());
        assertTrue(r.err().contains("hint: `cairn volume ls` lists the volumes"), r.err());
    }

    @Test
    void serverErrorsExit4() {
        status = 503;
        body = "{\"error\":\"no leader\"}";
        assertEquals(4, cairn("volume", "ls", "--endpoint", endpoint).exit());
    }

    @Test
    void anUnreachableNodeExits3WithWhatToDo() {
        server.stop(0);
        Run r = cairn("volume", "ls", "--endpoint", endpoint);
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("cannot reach the node at " + endpoint), r.err());
        assertTrue(r.err().contains("cairn dev up"), r.err());
    }

    @Test
    void lsPrintsATableAndJsonOnRequest() {
        body = "{\"volumes\":[{\"name\":\"db\",\"sizeBytes\":1073741824,\"replicas\":3,\"state\":\"healthy\",\"primary\":\"a\","
                + "\"attachment\":{\"host\":\"a\",\"epoch\":2}}]}";
        Run table = cairn("volume", "ls", "--endpoint", endpoint);
        assertEquals(0, table.exit());
        assertTrue(table.out().lines().anyMatch(l -> l.matches("db\\s+1G\\s+3\\s+healthy\\s+a\\s+a")), table.out());
        Run json = cairn("volume", "ls", "-o", "json", "--endpoint", endpoint);
        assertTrue(json.out().contains("\"sizeBytes\" : 1073741824"), json.out());
    }

    @Test
    void tableColumnsAlign() {
        StringWriter s = new StringWriter();
        new Table("A", "BB").row("xxx", "y").row(null, "zz").print(new PrintWriter(s, true));
        assertEquals(List.of("A     BB", "xxx   y", "-     zz"), s.toString().lines().toList());
    }
}
