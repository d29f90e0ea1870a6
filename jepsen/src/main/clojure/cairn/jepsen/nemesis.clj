(ns cairn.jepsen.nemesis
  "Faults. Each family is a pair of ops, start and stop (stop nil for instant faults):

    kill          :kill / :restart          kill -9 of one node, the primary half of the time; when the
                                            primary dies the volume is force-attached to a live replica,
                                            as an orchestrator restarting the container elsewhere would
    pause         :pause / :resume          SIGSTOP of one node (the primary half of the time); a paused
                                            primary is, half of the time, force-replaced by a live
                                            replica, so it wakes up fenced
    partition     :start-partition / :stop-partition
                                            iptables drops between node namespaces: isolate the primary,
                                            random halves, majorities ring (bridge on 3 nodes), bridge;
                                            an isolated primary is, half of the time, force-replaced
                                            by a replica on the majority side
    packet-loss   :start-loss / :stop-loss  20% of packets between nodes dropped (iptables statistic)
    crash-all     :crash-all / :restart-all kill -9 of every node, then all restarted
    primary-move  :move-primary             the volume attached to another live replica with --force

  The control node's own traffic to the nodes is never cut."
  (:require [cairn.jepsen.client :as client]
            [cairn.jepsen.db :as db]
            [cairn.jepsen.util :as u]
            [clojure.string :as str]))

(def families
  {:kill [{:f :kill} {:f :restart}]
   :pause [{:f :pause} {:f :resume}]
   :partition [{:f :start-partition} {:f :stop-partition}]
   :packet-loss [{:f :start-loss} {:f :stop-loss}]
   :crash-all [{:f :crash-all} {:f :restart-all}]
   :primary-move [{:f :move-primary} nil]})

(def heal-ops
  "What ends every fault, in the order the final heal runs them."
  [{:f :stop-partition} {:f :stop-loss} {:f :resume} {:f :restart} {:f :restart-all}])

(defn- ipt! [node & args] (apply db/ns-sh! node "iptables" "-w" args))

(defn- view [test] (client/volume-view (:nodes test) (:volume test)))

(defn- holder
  "The node the volume is attached to (its primary), or the volume group's leader if unattached."
  [test]
  (let [v (view test)] (or (get-in v [:attachment :host]) (:primary v))))

(defn attach!
  "Attaches the volume to `host` with force, through whichever node can get it committed."
  [test host]
  (let [tok @(:token (:db test))]
    ;; Ask running nodes first: a paused one would only cost a timeout.
    (loop [[n & more] (sort-by #(if (and (db/alive? (:db test) %) (not (contains? @(:paused (:db test)) %))) 0 1)
                               (shuffle (:nodes test)))
           errors []]
      (if-not n
        {:attached nil :errors errors}
        (let [r (u/http :post (str (db/admin-url n) "/v1/volumes/" (:volume test) "/attach")
                        :body {:host host :force true} :token tok :timeout-ms 5000)]
          (if (= 200 (:status r))
            {:attached host :epoch (get-in r [:body :attachment :epoch]) :via n}
            (recur more (conj errors [n (or (:status r) (:error r)) (get-in r [:body :error])]))))))))

(defn- live-replicas
  "Replicas of the volume whose node is running and not paused, except `except`."
  [test v except]
  (let [d (:db test)]
    (->> (:replicaSet v) (map :node)
         (filter #(and (db/alive? d %) (not (contains? @(:paused d) %)) (not= % except))))))

(defn- fail-over!
  "Moves the volume off `from` onto a live replica."
  [test from]
  (let [v (view test)
        targets (live-replicas test v from)]
    (if (empty? targets)
      {:moved nil :why "no live replica"}
      (attach! test (rand-nth targets)))))

(defn- start-dead!
  "Starts every node that is not running (the end of a kill or a crash-all)."
  [test]
  (let [d (:db test)
        dead (remove #(db/alive? d %) (:nodes test))]
    (doseq [n dead] (db/start-node! d n))
    {:started (vec dead)}))

(defn- pick-target [test]
  (let [h (holder test)]
    (if (and h (< (rand) 0.5)) h (rand-nth (:nodes test)))))

;; Partitions ---------------------------------------------------------------------------------

(defn- complete-grudge
  "Every node drops traffic from every node outside its own component."
  [components]
  (into {} (for [c components, n c] [n (set (mapcat #(when-not (= % c) %) components))])))

(defn- bridge-grudge [nodes]
  (let [[b & more] (shuffle nodes)
        [l r] (split-at (quot (count more) 2) more)]
    (merge (into {} (for [n l] [n (set r)]))
           (into {} (for [n r] [n (set l)]))
           {b #{}})))

(defn- ring-grudge
  "Each node sees its ring neighbours within distance d, a majority when 2d+1 > n/2."
  [nodes]
  (let [ring (vec (shuffle nodes)) n (count ring)
        majority (inc (quot n 2))
        d (quot majority 2)]
    (if (>= (inc (* 2 d)) n)
      (bridge-grudge nodes)
      (into {} (for [i (range n)]
                 [(ring i) (set (for [j (range n)
                                      :let [dist (min (mod (- i j) n) (mod (- j i) n))]
                                      :when (> dist d)]
                                  (ring j)))])))))

(defn- grudge [test kind]
  (let [nodes (:nodes test)]
    (case kind
      :isolate-primary (let [p (or (holder test) (rand-nth nodes))]
                         (complete-grudge [#{p} (disj (set nodes) p)]))
      :random-halves (let [[a b] (split-at (quot (count nodes) 2) (shuffle nodes))]
                       (complete-grudge [(set a) (set b)]))
      :majorities-ring (ring-grudge nodes)
      :bridge (bridge-grudge nodes))))

(defn- heal-partition! [test]
  (doseq [n (:nodes test)] (ipt! n "-F" "cj-part")))

;; The nemesis ---------------------------------------------------------------------------------

(defn setup! [test]
  (doseq [n (:nodes test)]
    (ipt! n "-N" "cj-part") (ipt! n "-N" "cj-loss")
    (ipt! n "-A" "INPUT" "-j" "cj-part") (ipt! n "-A" "INPUT" "-j" "cj-loss")))

(defn invoke!
  "Carries out a nemesis op; returns its completion (always :info: a fault's effect is what the
  history shows, not what the nemesis believes)."
  [test op]
  (let [d (:db test)
        v (case (:f op)
            :kill (let [t (pick-target test)
                        primary? (= t (holder test))]
                    (db/kill-node! d t)
                    (cond-> {:killed t :primary primary?} primary? (assoc :failover (fail-over! test t))))
            :restart (start-dead! test)
            :pause (let [t (pick-target test)
                         primary? (= t (holder test))]
                     (db/pause-node! d t)
                     (cond-> {:paused t :primary primary?}
                       (and primary? (< (rand) 0.5)) (assoc :failover (do (u/sleep-ms 2000) (fail-over! test t)))))
            :resume (let [ps @(:paused d)] (doseq [n ps] (db/resume-node! d n)) {:resumed (vec ps)})
            :start-partition (let [kind (rand-nth [:isolate-primary :random-halves :majorities-ring :bridge])
                                   g (grudge test kind)]
                               (doseq [[n drops] g, from drops] (ipt! n "-A" "cj-part" "-s" (db/node-ip from) "-j" "DROP"))
                               (cond-> {:kind kind :grudge (into (sorted-map) (map (fn [[k s]] [k (vec (sort s))]) g))}
                                 ;; half of the time the orchestrator gives up on the cut-off primary:
                                 ;; it keeps running, fenced, with its clients still connected
                                 (and (= kind :isolate-primary) (< (rand) 0.5))
                                 (assoc :failover (do (u/sleep-ms 2000)
                                                      (fail-over! test (first (filter #(= (count (:nodes test)) (inc (count (g %)))) (keys g))))))))
            :stop-partition (do (heal-partition! test) :healed)
            :start-loss (do (doseq [n (:nodes test)]
                              (ipt! n "-A" "cj-loss" "-s" db/host-ip "-j" "RETURN")
                              (ipt! n "-A" "cj-loss" "-s" "10.77.0.0/24"
                                    "-m" "statistic" "--mode" "random" "--probability" "0.2" "-j" "DROP"))
                            {:loss 0.2})
            :stop-loss (do (doseq [n (:nodes test)] (ipt! n "-F" "cj-loss")) :healed)
            :crash-all (do (doseq [n (:nodes test)] (db/kill-node! d n)) {:killed (:nodes test)})
            :restart-all (start-dead! test)
            :move-primary (let [h (holder test)
                                targets (live-replicas test (view test) h)]
                            (if (empty? targets)
                              {:moved nil :why "no live replica besides the holder"}
                              (assoc (attach! test (rand-nth targets)) :from h))))]
    (assoc op :type :info :value v)))

(defn heal!
  "Ends every fault: used between phases and before the final reads."
  [test]
  (doseq [op heal-ops] (invoke! test op)))

(defn parse-families
  "\"partition,kill\" → [:partition :kill]; \"all\" → every family; \"none\" → []."
  [s]
  (let [names (map str/trim (str/split (or s "none") #","))]
    (cond
      (= ["all"] names) (vec (keys families))
      (= ["none"] names) []
      :else (vec (for [n names]
                   (let [k (keyword n)]
                     (when-not (families k)
                       (throw (ex-info (str "unknown nemesis " n "; choose from "
                                            (str/join ", " (map name (keys families))) ", all or none") {:usage true})))
                     k))))))
