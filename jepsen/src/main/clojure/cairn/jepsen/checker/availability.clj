(ns cairn.jepsen.checker.availability
  "How available the volume stayed: the share of client ops that came back :ok in every fault
  window and in the calm between them, and how long after each heal the first write succeeded.
  Informational, except that a cluster that never serves a write again after the last heal is a
  liveness failure.")

(def ^:private start->stop
  {:kill :restart, :pause :resume, :start-partition :stop-partition, :start-loss :stop-loss,
   :crash-all :restart-all})

(defn windows
  "Fault windows from the nemesis's completions: [{:f :start :end :value}], :end nil while open.
  Instant faults (a primary move) are windows of zero length."
  [history]
  (let [end-time (or (:time (peek history)) 0)]
    ;; A fault starts when the nemesis begins it (its invocation: a kill with a failover completes
    ;; seconds later) and ends when the heal completes.
    (loop [[e & more] (filter #(= :nemesis (:process %)) history)
           invoked nil, open {}, out []]
      (if-not e
        (into out (for [[_ w] open] (assoc w :end end-time :open-at-end true)))
        (let [f (:f e)]
          (cond
            (= :invoke (:type e)) (recur more (:time e) open out)
            (start->stop f) (recur more nil (assoc open (start->stop f) {:f f :start (or invoked (:time e)) :value (:value e)}) out)
            (open f) (recur more nil (dissoc open f) (conj out (assoc (open f) :end (:time e) :heal-index (:index e))))
            (= :move-primary f) (recur more nil open (conj out {:f f :start (:time e) :end (:time e) :value (:value e)}))
            :else (recur more nil open out)))))))

(defn- client-completions [history]
  (filter #(and (integer? (:process %)) (not= :invoke (:type %)) (not (:final? %))) history))

(defn- share-ok [ops]
  (if (empty? ops) nil (double (/ (count (filter #(= :ok (:type %)) ops)) (count ops)))))

(defn- longest-gap
  "The longest stretch of [from, to] (nanoseconds) in which no op of `oks` completed, in seconds."
  [oks from to]
  (let [ts (concat [from] (filter #(< from % to) (map :time oks)) [to])]
    (/ (reduce max 0 (map - (rest ts) ts)) 1e9)))

(defn- unavailable-seconds
  "Total time, over the workload, spent in gaps of more than a second between ok ops."
  [oks]
  (let [ts (map :time oks)]
    (/ (reduce + 0 (filter #(> % 1000000000) (map - (rest ts) ts))) 1e9)))

(defn check [history]
  (let [ws (windows history)
        done (vec (client-completions history))
        in-window (fn [{:keys [start end]} op] (<= start (:time op) end))
        per-window (vec (for [w ws :when (> (:end w) (:start w))
                              :let [ops (filter #(in-window w %) done)]]
                          {:f (:f w) :start-s (/ (:start w) 1e9) :seconds (/ (- (:end w) (:start w)) 1e9)
                           :ops (count ops) :ok-share (share-ok ops)
                           :longest-without-ok-s (longest-gap (filter #(= :ok (:type %)) done) (:start w) (:end w))}))
        calm (remove (fn [op] (some #(in-window % op) ws)) done)
        workload-end (reduce max 0 (map :time done))
        heals (sort (keep #(when (and (:heal-index %) (< (:end %) workload-end)) (:end %)) ws))
        starts (sort (map :start ws))
        oks (filter #(= :ok (:type %)) done)
        recovery (vec (for [h heals]
                        (let [next-fault (or (first (filter #(> % h) starts)) Long/MAX_VALUE)
                              first-ok (first (filter #(< h (:time %) next-fault) oks))]
                          (cond-> {:heal-s (/ h 1e9)}
                            first-ok (assoc :recovered-after-s (/ (- (:time first-ok) h) 1e9))
                            (not first-ok) (assoc :not-recovered-before-next-fault true)))))
        last-heal (last heals)
        final-ok (some #(and (:final? %) (= :ok (:type %))) history)]
    {:valid? (if (and last-heal (not (:recovered-after-s (peek recovery))) (not final-ok)) false true)
     :ok-share-overall (share-ok done)
     :ok-share-calm (share-ok calm)
     :unavailable-s (unavailable-seconds (filter #(= :ok (:type %)) done))
     :workload-s (/ workload-end 1e9)
     :windows per-window
     :recovery recovery
     :max-recovery-s (reduce max 0 (keep :recovered-after-s recovery))
     :not-recovered (count (filter :not-recovered-before-next-fault recovery))}))
