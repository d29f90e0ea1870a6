package dev.cairn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: bad admin input against a real two-node cluster (unknown volume, replicas > nodes,
 * duplicate name, missing or wrong token, malformed JSON) gets a clear error and changes nothing;
 * and a third node joins the running cluster with `node join`.
 */
@Timeout(300)
class AdminInputIT {
    @TempDir
    Path dir;

    /** What a refused request could have changed: names, sizes, replica sets, attachments. */
    static String stable(JsonNode list) {
        StringBuilder b = new StringBuilder();
        for (JsonNode v : list.get("volumes")) {
            b.append(v.get("name").asText()).append(' ').append(v.get("id").asLong()).append(' ').append(v.get("sizeBytes").asLong())
                    .append(' ').append(v.get("replicas").asInt()).append(' ').append(v.get("replicaSet").findValuesAsText("node"))
                    .append(' ').append(v.get("attachment")).append('\n');
        }
        return b.toString();
    }

    @Test
    void badRequestsChangeNothingAndANewNodeJoins() throws Exception {
        try (TestCluster cluster = new TestCluster(dir, 2).start()) {
            AdminHttp admin = cluster.admin(1);
            AdminHttp noToken = new AdminHttp(cluster.node(1).adminUrl(), null);
            AdminHttp wrongToken = new AdminHttp(cluster.node(1).adminUrl(), "0".repeat(64));
            cluster.createVolume("keep", "8M", 2);
            String before = stable(admin.get("/v1/volumes").body());

            var missing = noToken.post("/v1/volumes", "{\"name\":\"x\",\"sizeBytes\":4096,\"replicas\":1}");
            assertEquals(401, missing.status());
            assertTrue(missing.body().get("hint").asText().contains("token"), missing.body().toString());
            assertEquals(401, wrongToken.delete("/v1/volumes/keep").status());

            var unknown = admin.get("/v1/volumes/nope");
            assertEquals(404, unknown.status());
            assertEquals("no volume named nope", unknown.body().get("error").asText());
            assertEquals(404, admin.delete("/v1/volumes/nope").status());

            var tooMany = admin.post("/v1/volumes", "{\"name\":\"big\",\"sizeBytes\":4096,\"replicas\":3}");
            assertEquals(409, tooMany.status());
            assertTrue(tooMany.body().get("error").asText().contains("replicas=3"), tooMany.body().toString());

            var duplicate = admin.post("/v1/volumes", "{\"name\":\"keep\",\"sizeBytes\":4096,\"replicas\":1}");
            assertEquals(409, duplicate.status());
            assertTrue(duplicate.body().get("error").asText().contains("already exists"), duplicate.body().toString());

            assertEquals(400, admin.post("/v1/volumes", "{\"name\":\"../etc\",\"sizeBytes\":4096}").status());
            assertEquals(400, admin.post("/v1/volumes", "{\"name\":\"odd\",\"sizeBytes\":1000}").status());
            assertEquals(400, admin.post("/v1/volumes", "{\"name\":\"x\",\"sizeBytes\":4096,\"replicas\":9}").status());
            assertEquals(400, admin.post("/v1/volumes", "not json").status());
            assertEquals(400, admin.post("/v1/volumes/keep/attach", "{\"host\":\"\"}").status());
            assertEquals(404, admin.post("/v1/volumes/keep/attach", "{\"host\":\"node-9\"}").status());
            assertEquals(409, admin.post("/v1/cluster/init", "{}").status(), "init twice");

            assertEquals(before, stable(admin.get("/v1/volumes").body()), "nothing changed");

            // A third node joins as a non-voting member and can then hold replicas.
            NodeProcess third = new NodeProcess("node-3", dir.resolve("node-3")).start();
            try {
                AdminHttp thirdAdmin = new AdminHttp(third.adminUrl(), null);
                var badSeed = thirdAdmin.post("/v1/cluster/join", "{\"seed\":\"" + cluster.node(1).adminUrl() + "\",\"token\":\"bad\"}");
                assertEquals(401, badSeed.status(), badSeed.body().toString());
                var join = thirdAdmin.post("/v1/cluster/join", "{\"seed\":\"" + cluster.node(1).adminUrl() + "\",\"token\":\""
                        + cluster.token() + "\"}");
                assertEquals(200, join.status(), join.body().toString());
                assertEquals("listener", join.body().get("role").asText());
                Waits.until(Duration.ofSeconds(60), "node-3 registered", () ->
                        admin.get("/v1/cluster").body().get("nodes").size() == 3);
                JsonNode three = cluster.createVolume("three", "8M", 3);
                assertEquals(3, three.get("replicaSet").size());
                JsonNode members = admin.get("/v1/cluster/members").body();
                assertEquals(2, members.get("voters").size());
                assertEquals("node-3", members.get("listeners").get(0).get("id").asText());
            } finally {
                third.stop();
            }
        }
    }
}
