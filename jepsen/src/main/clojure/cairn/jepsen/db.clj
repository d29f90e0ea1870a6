(ns cairn.jepsen.db
  "The system under test: N Cairn nodes from the built jar, each in its own network namespace
  (cj-n1..), joined by a bridge that lives in namespace cj-br, so partitions are real packet drops.
  The control node (this JVM) reaches them through a veth in the root namespace (10.77.0.254),
  which no nemesis ever cuts: Jepsen's clients, too, talk to the nodes from outside the faults.
  Kill, pause and restart act on the node's JVM by pid."
  (:require [cairn.jepsen.util :as u]
            [clojure.java.io :as io]
            [clojure.string :as str]))

(set! *warn-on-reflection* true)

(def bridge-ns "cj-br")
(def host-if "cj-host")
(def host-ip "10.77.0.254")

(defn node-ns [node] (str "cj-" node))
(defn node-ip [node] (str "10.77.0." (subs (name node) 1)))
(defn admin-url [node] (str "http://" (node-ip node) ":9400"))
(defn node-names [n] (mapv #(str "n" %) (range 1 (inc n))))

(defn- ip! [& args] (apply u/sh! "ip" args))

(defn net-teardown!
  "Removes every namespace, bridge and veth a run may have left (stale state included)."
  []
  (doseq [line (str/split-lines (:out (u/sh ["ip" "netns" "list"])))
          :let [ns (first (str/split line #"\s+"))]
          :when (and ns (str/starts-with? ns "cj-"))]
    (doseq [pid (str/split-lines (:out (u/sh ["ip" "netns" "pids" ns])))
            :when (not (str/blank? pid))]
      (u/sh ["kill" "-CONT" pid]) (u/sh ["kill" "-9" pid]))
    (u/sh ["ip" "netns" "del" ns]))
  (u/sh ["ip" "link" "del" host-if]))

(defn net-setup!
  "Bridge namespace + one namespace per node + the control node's veth, all on 10.77.0.0/24."
  [nodes]
  (ip! "netns" "add" bridge-ns)
  (ip! "-n" bridge-ns "link" "add" "br0" "type" "bridge")
  (ip! "-n" bridge-ns "link" "set" "br0" "up")
  (ip! "-n" bridge-ns "link" "set" "lo" "up")
  (ip! "link" "add" host-if "type" "veth" "peer" "name" "ph" "netns" bridge-ns)
  (ip! "-n" bridge-ns "link" "set" "ph" "master" "br0")
  (ip! "-n" bridge-ns "link" "set" "ph" "up")
  (ip! "addr" "add" (str host-ip "/24") "dev" host-if)
  (ip! "link" "set" host-if "up")
  (doseq [n nodes]
    (let [ns (node-ns n) peer (str "p" (subs n 1))]
      (ip! "netns" "add" ns)
      (ip! "link" "add" "eth0" "netns" ns "type" "veth" "peer" "name" peer "netns" bridge-ns)
      (ip! "-n" bridge-ns "link" "set" peer "master" "br0")
      (ip! "-n" bridge-ns "link" "set" peer "up")
      (ip! "-n" ns "addr" "add" (str (node-ip n) "/24") "dev" "eth0")
      (ip! "-n" ns "link" "set" "eth0" "up")
      (ip! "-n" ns "link" "set" "lo" "up"))))

(defn ns-sh!
  "Runs a command inside a node's namespace."
  [node & args]
  (apply u/sh! "ip" "netns" "exec" (node-ns node) args))

;; ---------------------------------------------------------------------------------------------
;; Node processes

(defn- java-bin [] (str (System/getProperty "java.home") "/bin/java"))

(defn start-node!
  "Starts node `node` (again, when it was killed) and records its process in (:procs db)."
  [db node]
  (let [{:keys [jar work results settings heap]} db
        data (io/file work node)
        log (io/file results "nodes" node "node.log")
        ip (node-ip node)]
    (.mkdirs data) (.mkdirs (.getParentFile log))
    (spit log (str "==== start " (java.time.Instant/now) "\n") :append true)
    (let [args (concat ["ip" "netns" "exec" (node-ns node) (java-bin) (str "-Xmx" heap)]
                       ;; jepsen/run passes the flags that quiet this JDK's warnings
                       (remove str/blank? (str/split (System/getProperty "cairn.jepsen.node-flags" "") #"\s+"))
                       [
                        "-XX:+UseSerialGC" "-XX:TieredStopAtLevel=1" "-Xss512k"
                        "-jar" jar "node" "run" "--id" node "--data-dir" (str data)
                        "--raft-address" (str ip ":9500") "--admin-address" (str ip ":9400")
                        "--nbd-address" (str ip ":10809")]
                       (mapcat (fn [[k v]] ["--set" (str (name k) "=" v)]) settings))
          pb (doto (ProcessBuilder. ^java.util.List (mapv str args))
               (.redirectErrorStream true)
               (.redirectOutput (java.lang.ProcessBuilder$Redirect/appendTo log)))
          p (.start pb)]
      (swap! (:procs db) assoc node p)
      p)))

(defn pid [db node] (when-let [^Process p (get @(:procs db) node)] (when (.isAlive p) (.pid p))))

(defn alive? [db node] (some? (pid db node)))

(defn kill-node!
  "kill -9: the node gets no chance to flush or say goodbye."
  [db node]
  (when-let [^Process p (get @(:procs db) node)]
    (u/sh ["kill" "-CONT" (str (.pid p))])
    (u/sh ["kill" "-9" (str (.pid p))])
    (.waitFor p)
    (swap! (:procs db) dissoc node)
    (swap! (:paused db) disj node)))

(defn pause-node! [db node]
  (when-let [p (pid db node)] (u/sh ["kill" "-STOP" (str p)]) (swap! (:paused db) conj node)))

(defn resume-node! [db node]
  (when-let [p (pid db node)] (u/sh ["kill" "-CONT" (str p)]))
  (swap! (:paused db) disj node))

(defn await-health!
  "Waits until every node's admin API answers /v1/health."
  [db nodes timeout-s]
  (let [deadline (+ (System/nanoTime) (u/secs->nanos timeout-s))]
    (loop []
      (let [down (remove #(= 200 (:status (u/http :get (str (admin-url %) "/v1/health") :timeout-ms 1000))) nodes)]
        (cond
          (empty? down) true
          (> (System/nanoTime) deadline) (throw (ex-info (str "nodes did not come up: " (str/join "," down)
                                                              " (see their node.log)") {}))
          :else (do (doseq [n down :when (not (alive? db n))]
                      (throw (ex-info (str "node " n " exited at startup; see "
                                           (io/file (:results db) "nodes" n "node.log")) {})))
                    (u/sleep-ms 500) (recur)))))))

(defn token [db] (str/trim (slurp (io/file (:work db) (first (:nodes db)) "token"))))

(defn init-cluster!
  "cluster init on the first node with every other node as an initial voter."
  [db]
  (let [[first-node & others] (:nodes db)
        r (u/http :post (str (admin-url first-node) "/v1/cluster/init")
                  :body {:peers (for [n others] {:id n :raftAddress (str (node-ip n) ":9500")})}
                  :timeout-ms 60000)]
    (when-not (= 200 (:status r)) (throw (ex-info (str "cluster init failed: " r) {})))
    (reset! (:token db) (token db))
    (let [deadline (+ (System/nanoTime) (u/secs->nanos 60))]
      (loop []
        (let [r (u/http :get (str (admin-url first-node) "/v1/cluster"))
              up (set (for [n (get-in r [:body :nodes]) :when (= "up" (:liveness n))] (:id n)))]
          (cond
            (every? up (:nodes db)) true
            (> (System/nanoTime) deadline) (throw (ex-info (str "only " (sort up) " of the nodes joined the cluster") {}))
            :else (do (u/sleep-ms 500) (recur))))))))

(defn setup!
  "Tears down stale state, builds the network, starts every node and forms the cluster."
  [db]
  (net-teardown!)
  (net-setup! (:nodes db))
  (doseq [n (:nodes db)] (start-node! db n))
  (await-health! db (:nodes db) 120)
  (init-cluster! db)
  db)

(defn teardown!
  "Kills every node, removes the network, and (unless asked to keep it) the data directories."
  [db]
  (doseq [n (keys @(:procs db))] (kill-node! db n))
  (net-teardown!)
  (when-not (:keep-data? db)
    (u/sh ["rm" "-rf" (str (:work db))])))

(defn db
  "A DB description: nodes, the jar, where data and results go, and node settings."
  [{:keys [nodes jar work results settings heap keep-data?]}]
  {:nodes nodes :jar jar :work work :results results :heap (or heap "384m")
   :settings settings :keep-data? keep-data?
   :procs (atom {}) :paused (atom #{}) :token (atom nil)})
