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
    (loop [[e & more] (filter #(and (= :nemesis (:process %)) (= :info (:type %)) (not= :invoke (:type %))) history)
           open {}, out []]
      (if-not e
        (into out (for [[_ w] open] (assoc w :end end-time :open-at-end true)))
        (let [f (:f e)]
          (cond
            (start->stop f) (recur more (assoc open (start->stop f) {:f f :start (:time e) :value (:value e)}) out)
            (open f) (recur more (dissoc open f) (conj out (assoc (open f) :end (:time e) :heal-index (:index e))))
            (= :move-primary f) (recur more open (conj out {:f f :start (:time e) :end (:time e) :value (:value e)}))
            :else (recur more open out)))))))

(defn- client-completions [history]
  (filter #(and (integer? (:process %)) (not= :invoke (:type %)) (not (:final? %))) history))

(defn- share-ok [ops]
  (if (empty? ops) nil (double (/ (count (filter #(= :ok (:type %)) ops)) (count ops)))))

(defn check [history]
  (let [ws (windows history)
        done (vec (client-completions history))
        in-window (fn [{:keys [start end]} op] (<= start (:time op) end))
        per-window (vec (for [w ws :when (> (:end w) (:start w))
                              :let [ops (filter #(in-window w %) done)]]
                          {:f (:f w) :start-s (/ (:start w) 1e9) :seconds (/ (- (:end w) (:start w)) 1e9)
                           :ops (count ops) :ok-share (share-ok ops)}))
        calm (remove (fn [op] (some #(in-window % op) ws)) done)
        heals (sort (keep #(when (:heal-index %) (:end %)) ws))
        writes-ok (filter #(and (= :ok (:type %)) (= :write (:f %))) done)
        recovery (vec (for [h heals]
                        (let [first-ok (first (filter #(> (:time %) h) writes-ok))]
                          {:heal-s (/ h 1e9)
                           :recovered-after-s (when first-ok (/ (- (:time first-ok) h) 1e9))})))
        last-heal (last heals)
        final-ok (some #(and (:final? %) (= :ok (:type %))) history)]
    {:valid? (if (and last-heal (not (:recovered-after-s (peek recovery))) (not final-ok)) false true)
     :ok-share-overall (share-ok done)
     :ok-share-calm (share-ok calm)
     :windows per-window
     :recovery recovery
     :max-recovery-s (reduce max 0 (keep :recovered-after-s recovery))}))
