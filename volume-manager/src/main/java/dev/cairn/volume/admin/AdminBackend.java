package dev.cairn.volume.admin;

import dev.cairn.volume.api.AttachRequest;
import dev.cairn.volume.api.ClusterStatus;
import dev.cairn.volume.api.CreateVolumeRequest;
import dev.cairn.volume.api.NodeSelf;
import dev.cairn.volume.api.VolumeInfo;
import java.util.List;
import java.util.Map;

/**
 * What the admin API can ask of a node. Implementations throw {@link ApiException} for anything
 * the caller should see; input has already been parsed but not validated beyond JSON shape.
 */
public interface AdminBackend {

    /** This node's id and its defaults for volumes created without size or replicas. */
    NodeSelf self();

    List<VolumeInfo> listVolumes();

    VolumeInfo inspectVolume(String name);

    VolumeInfo createVolume(CreateVolumeRequest request);

    void deleteVolume(String name);

    VolumeInfo attach(String name, AttachRequest request);

    VolumeInfo detach(String name, String host);

    ClusterStatus clusterStatus();

    /** Forms a cluster; returns {"clusterId", "tokenFile"}. */
    Map<String, String> initCluster(List<Map<String, String>> peers);

    /** The cluster group's voting members and listeners: {"voters":[{id, raftAddress}], "listeners":[...]}. */
    Map<String, List<Map<String, String>>> clusterMembers();

    /** Adds a node to the cluster group (called by a joining node on an existing member). */
    void addMember(String id, String raftAddress, boolean voter);

    /** Makes this (new, empty) node join the cluster that {@code seedAdminUrl} belongs to. */
    Map<String, String> joinCluster(String seedAdminUrl, String token, boolean voter);

    /** True if the token is the cluster's (checked for every mutating call). */
    boolean tokenValid(String token);

    /** True once the node belongs to an initialized cluster (before that only init is allowed). */
    boolean clusterInitialized();
}
