package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a node's admin API and turns failures into {@link CliException}s with exit codes. */
public final class AdminClient {
    /** For printing to people (indented). */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper WIRE = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String endpoint;
    private final String token;

    public AdminClient(String endpoint, String token) {
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.token = token;
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    private JsonNode send(String method, String path, Object body) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(90))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(WIRE.writeValueAsString(body)));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "bad endpoint '" + endpoint + "': " + e.getMessage(), "use e.g. --endpoint http://127.0.0.1:9400");
        }
        if (token != null && !token.isBlank()) {
            b.header("Authorization", "Bearer " + token.trim());
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new CliException(ExitCode.UNREACHABLE, "cannot reach the node at " + endpoint + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                    "is `cairn node run` running there? `./cairn dev up` starts a local cluster; --endpoint picks another node");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.FAILED, "interrupted", null);
        }
        JsonNode doc;
        try {
            doc = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CliException(ExitCode.SERVER_ERROR, "the node answered " + r.statusCode() + " with something that is not JSON", null);
        }
        int status = r.statusCode();
        if (status / 100 == 2) {
            return doc;
        }
        String error = doc.path("error").asText("HTTP " + status);
        String hint = doc.hasNonNull("hint") ? doc.get("hint").asText() : null;
        throw new CliException(status >= 500 ? ExitCode.SERVER_ERROR : ExitCode.FAILED, error, hint);
    }
}
