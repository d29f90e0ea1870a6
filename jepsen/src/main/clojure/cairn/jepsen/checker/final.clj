(ns cairn.jepsen.checker.final
  "Every acknowledged write survives: after the faults are healed and every node restarted, the
  final read of each block must see a write that no acknowledged write strictly follows in real
  time. A block whose final value is 0 (never written) although a write to it was acknowledged,
  or holds a write that completed before another acknowledged write to it began, lost a write.
  O(n); the linearizability checker says the same and more, but this one answers fast and plainly.")

(defn- pair-ops
  "Completed client writes, each {:block :id :type :invoke-time :complete-time}."
  [history]
  (loop [[e & more] history, open {}, out []]
    (if-not e
      (into out (for [[_ inv] open :when (= :write (:f inv))]
                  {:block (first (:value inv)) :id (second (:value inv)) :type :info
                   :invoke-time (:time inv) :complete-time Long/MAX_VALUE}))
      (cond
        (not= :write (:f e)) (recur more open out)
        (= :invoke (:type e)) (recur more (assoc open (:process e) e) out)
        :else (let [inv (open (:process e))]
                (recur more (dissoc open (:process e))
                       (conj out {:block (first (:value inv)) :id (second (:value inv)) :type (:type e)
                                  :invoke-time (:time inv)
                                  :complete-time (if (= :ok (:type e)) (:time e) Long/MAX_VALUE)})))))))

(defn check [history]
  (let [writes (group-by :block (remove #(= :fail (:type %)) (pair-ops history)))
        finals (->> history (filter #(and (:final? %) (= :ok (:type %)) (= :read (:f %))))
                    (map (fn [op] [(first (:value op)) op])) (into {}))
        acked-blocks (set (for [[b ws] writes :when (some #(= :ok (:type %)) ws)] b))
        problems
        (vec (for [b (sort (into acked-blocks (keys finals)))
                   :let [ws (writes b)
                         op (finals b)
                         v (second (:value op))
                         latest-ok-invoke (reduce max Long/MIN_VALUE (map :invoke-time (filter #(= :ok (:type %)) ws)))
                         w (first (filter #(= v (:id %)) ws))
                         problem (cond
                                   (nil? op) :not-read
                                   (not (integer? v)) :undecodable
                                   (and (zero? v) (acked-blocks b)) :lost-all
                                   (and (pos? v) (nil? w)) :never-written
                                   (and w (< (:complete-time w) latest-ok-invoke)) :lost-later-write)]
                   :when problem]
               {:block b :problem problem :final-value v
                :acked (vec (map :id (filter #(= :ok (:type %)) ws)))}))]
    {:valid? (cond (empty? acked-blocks) :unknown ; a run that acknowledged no write proves nothing
                   (empty? problems) true
                   (every? #(= :not-read (:problem %)) problems) :unknown
                   :else false)
     :blocks-written (count acked-blocks)
     :blocks-read (count finals)
     :problem-count (count problems)
     :problems (vec (take 20 problems))}))
