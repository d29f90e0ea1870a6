(ns cairn.jepsen.register
  "The register workload: a 3-replica volume whose 4 KiB blocks are registers. Workers are grouped
  `per-key` to a block; a group does `ops-per-key` ops on its block (half reads, half writes of
  fresh ids), then moves to a fresh block, which keeps the linearizability search small (few ops
  overlap on one block) while the history grows long."
  (:require [cairn.jepsen.block :as block]
            [cairn.jepsen.checker.availability :as availability]
            [cairn.jepsen.checker.decode :as decode]
            [cairn.jepsen.checker.final :as final]
            [cairn.jepsen.checker.linear :as linear]
            [cairn.jepsen.checker.perf :as perf]
            [cairn.jepsen.client :as client]
            [cairn.jepsen.db :as db]
            [cairn.jepsen.generator :as g]
            [cairn.jepsen.nemesis :as nemesis]
            [cairn.jepsen.util :as u]
            [clojure.java.io :as io]))

(defn setup!
  "Creates the volume and waits until its primary serves NBD."
  [test]
  (let [d (:db test)
        r (u/http :post (str (db/admin-url (first (:nodes test))) "/v1/volumes")
                  :body {:name (:volume test) :sizeBytes (:volume-bytes test) :replicas (:replicas test)
                         :host (first (:nodes test))}
                  :token @(:token d) :timeout-ms 30000)]
    (when-not (#{200 201} (:status r)) (throw (ex-info (str "volume create failed: " r) {})))
    ;; Like a Docker host mounting it: the attached host's node becomes the primary.
    (let [a (nemesis/attach! test (first (:nodes test)))]
      (when-not (:attached a) (throw (ex-info (str "volume attach failed: " a) {}))))
    (let [deadline (+ (System/nanoTime) (u/secs->nanos 60))]
      (loop []
        (let [c (client/register-client)
              c (client/open! c test nil)
              ok (= :ok (:type (client/invoke! c test {:f :read :value [0 nil]})))]
          (client/close! c test)
          (cond ok (u/log "volume" (:volume test) "is served:" (:nbd (client/volume-view (:nodes test) (:volume test))))
                (> (System/nanoTime) deadline) (throw (ex-info "the volume's primary never served NBD" {}))
                :else (do (u/sleep-ms 500) (recur))))))))

(defn client-gen
  "Reads and writes, `per-key` threads to a block, fresh blocks every `ops-per-key` ops."
  [{:keys [concurrency per-key ops-per-key blocks]}]
  (let [groups (max 1 (quot concurrency per-key))
        counters (vec (repeatedly groups #(atom 0)))
        ids (java.util.concurrent.atomic.AtomicLong. 0)]
    (fn [{:keys [thread]}]
      (let [grp (mod thread groups)
            n (swap! (counters grp) inc)
            blk (+ grp (* groups (quot (dec n) ops-per-key)))]
        (when (>= blk blocks)
          (throw (ex-info "the volume has no fresh blocks left: give it more --volume-mb" {})))
        (if (< (rand) 0.5)
          {:f :read :value [blk nil]}
          {:f :write :value [blk (.incrementAndGet ids)]})))))

(defn final-phase
  "After the faults: heal everything, crash and restart every node, then read back every block
  that was ever written, retrying each until it reads or `final-timeout` passes."
  [test history]
  (let [blocks (sort (distinct (for [op history :when (and (= :write (:f op)) (= :invoke (:type op)))]
                                 (first (:value op)))))]
    {:name "final reads"
     :clients (g/until-done blocks #(g/item {:f :read :value [% nil] :final? true} %) (:final-timeout test))}))

(defn heal-and-restart-phase [test]
  {:name "heal, then crash and restart every node"
   :clients nil
   :nemesis (concat nemesis/heal-ops [{:f :crash-all} (g/sleep 2) {:f :restart-all} (g/sleep 10)])})

(defn checkers [opts]
  {:linearizable (fn [_ h] (linear/check h {:deadline-ms (* 1000 (:check-seconds opts)) :max-configs 2000000}))
   :decode (fn [_ h] (decode/check h))
   :final-read (fn [_ h] (final/check h))
   :availability (fn [_ h] (availability/check h))
   :plot (fn [test h]
           (spit (io/file (:results test) "latency.svg")
                 (perf/svg h (str (:name test) ": " (count (filter #(= :invoke (:type %)) h)) " ops")))
           {:valid? true :file "latency.svg"})})

(defn test-map
  "The whole test from the CLI's options."
  [opts]
  (let [nodes (db/node-names (:nodes opts))
        faults (map nemesis/families (:nemesis opts))
        t (:time-limit opts)
        blocks (quot (* (:volume-mb opts) 1024 1024) block/block-size)]
    (merge opts
           {:nodes nodes
            :volume "jepsen"
            :volume-bytes (* (:volume-mb opts) 1024 1024)
            :blocks blocks
            :replicas (min 3 (count nodes))
            :client (client/register-client)
            :db (db/db {:nodes nodes :jar (:jar opts) :work (:work opts) :results (:results opts)
                        :keep-data? (:keep-data opts)
                        :settings (merge {:node-down-after "5s" :heartbeat-interval "500ms"
                                          :election-timeout-min "1s" :election-timeout-max "2s"}
                                         (:node-set opts))})
            :setup! setup!
            :generator [{:name (str "workload, " t " s, nemesis " (if (seq faults) (mapv name (:nemesis opts)) "none"))
                         :clients (g/time-limit t (g/stagger (/ 1.0 (:rate opts)) (client-gen (assoc opts :blocks blocks))))
                         :nemesis (when (seq faults)
                                    (g/time-limit t (g/nemesis-schedule faults opts)))}
                        (heal-and-restart-phase opts)
                        final-phase]
            :checkers (checkers opts)})))
