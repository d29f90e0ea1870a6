package dev.cairn.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 4: the v1 plugin protocol's calls, and bad plugin calls answered with a clear Err. */
class PluginHandlerTest {
    @TempDir
    Path dir;

    PluginHandler handler() {
        PluginBackend backend = new PluginBackend() {
            @Override
            public NodeDefaults defaults() {
                return new NodeDefaults("n1", 1L << 30, 3);
            }

            @Override
            public Optional<VolumeView> get(String name) {
                return name.equals("db") ? Optional.of(VolumeDriverTest.view("db")) : Optional.empty();
            }

            @Override
            public List<VolumeView> list() {
                return List.of(VolumeDriverTest.view("db"));
            }

            @Override
            public VolumeView create(String name, long sizeBytes, int replicas, String filesystem) {
                throw new PluginBackendException("not in this test");
            }

            @Override
            public void remove(String name) {
            }

            @Override
            public Attached attach(String name) {
                throw new PluginBackendException("volume " + name + " is in use on host n2");
            }

            @Override
            public void detach(String name) {
            }
        };
        HostMounts host = new HostMounts() {
            @Override
            public Mounted mount(String volume, String nbdUri, String filesystem, Path mountpoint) {
                throw new AssertionError("not reached");
            }

            @Override
            public void release(String volume, String device, String fuseDir, Path mountpoint) {
            }

            @Override
            public Set<Path> mountedUnder(Path root) {
                return Set.of();
            }

            @Override
            public boolean xfsAvailable() {
                return false;
            }
        };
        VolumeDriver driver = new VolumeDriver(backend, host, new MountTable(dir.resolve("m.json")), dir, Clock.systemUTC());
        return new PluginHandler(driver, Executors.newSingleThreadExecutor());
    }

    JsonNode call(String path, String body) {
        return PluginHandler.JSON.valueToTree(handler().handle(path, body));
    }

    @Test
    void activateAndCapabilities() {
        assertEquals("VolumeDriver", call("/Plugin.Activate", "").path("Implements").get(0).asText());
        assertEquals("global", call("/VolumeDriver.Capabilities", "{}\n").path("Capabilities").path("Scope").asText());
    }

    @Test
    void getAndListCarryTheClusterView() {
        JsonNode get = call("/VolumeDriver.Get", "{\"Name\":\"db\"}\n");
        assertEquals("", get.path("Err").asText());
        assertEquals("db", get.path("Volume").path("Name").asText());
        assertEquals(3, get.path("Volume").path("Status").path("replicas").asInt());
        assertTrue(get.path("Volume").path("Mountpoint").isMissingNode(), "no Mountpoint while not mounted, never an empty one");
        assertEquals("db", call("/VolumeDriver.List", "{}\n").path("Volumes").get(0).path("Name").asText());
        assertEquals("no volume named nope in the Cairn cluster", call("/VolumeDriver.Get", "{\"Name\":\"nope\"}").path("Err").asText());
    }

    @Test
    void malformedCallsGetAClearErr() {
        assertTrue(call("/VolumeDriver.Create", "{\"Name\":").path("Err").asText().startsWith("the request body is not JSON"));
        assertEquals("the request body must be a JSON object", call("/VolumeDriver.Create", "[1,2]").path("Err").asText());
        assertEquals("the request has no volume Name", call("/VolumeDriver.Mount", "{\"ID\":\"x\"}").path("Err").asText());
        assertEquals("the request has no volume Name", call("/VolumeDriver.Get", "{\"Name\":7}").path("Err").asText());
        assertEquals("Opts must be an object of strings", call("/VolumeDriver.Create", "{\"Name\":\"v\",\"Opts\":[1]}").path("Err").asText());
        assertTrue(call("/VolumeDriver.Snapshot", "{}").path("Err").asText().startsWith("unknown plugin call"));
        assertEquals("Mount of db without an ID", call("/VolumeDriver.Mount", "{\"Name\":\"db\"}").path("Err").asText());
    }

    @Test
    void aMountRefusedByTheClusterNamesTheHolder() {
        JsonNode r = call("/VolumeDriver.Mount", "{\"Name\":\"db\",\"ID\":\"abc\"}");
        assertEquals("volume db is in use on host n2", r.path("Err").asText());
        assertTrue(r.path("Mountpoint").isMissingNode());
    }
}
