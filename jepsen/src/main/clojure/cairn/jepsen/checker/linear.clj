(ns cairn.jepsen.checker.linear
  "Per-key linearizability of read/write registers: each 4 KiB block of a Cairn volume is one
  register. The search is Wing and Gong's, with Lowe's cache of configurations (linearized set +
  model state) so no configuration is explored twice, over a doubly linked list of call and return
  events that ops are lifted out of and put back in O(1).

  Ops whose outcome is unknown (:info, or still open when the history ends) may take effect at any
  point after their invocation, or never: their return is placed at infinity, and the search may
  leave them out. Reads with an unknown outcome observed nothing and are dropped. :fail ops never
  happened and are dropped.

  The search is bounded by a number of cached configurations and a deadline; past either it
  answers :unknown instead of running on."
  (:import (java.util ArrayDeque BitSet HashSet)))

(set! *warn-on-reflection* true)

(def unknown
  "The :out of an op whose outcome nobody saw."
  ::unknown)

(def ^:private infinity Long/MAX_VALUE)

(defn complete-ops
  "Pairs the invocations of :read and :write ops with their completions, in history order. Returns
  a vector of {:key :f :in :out :call :ret :op}; :call and :ret are positions in the history (its
  real-time order), :ret is infinity for ops whose outcome is unknown."
  [history]
  (let [client? (fn [e] (#{:read :write} (:f e)))
        indeterminate (fn [pos inv]
                        (when (= :write (:f inv))
                          {:key (first (:value inv)) :f :write :in (second (:value inv)) :out unknown
                           :call pos :ret infinity :op inv}))]
    (loop [pos 0, open {}, out (transient [])]
      (if (= pos (count history))
        (persistent! (reduce (fn [out [_ [p inv]]] (if-let [o (indeterminate p inv)] (conj! out o) out))
                             out (sort-by (comp first val) open)))
        (let [e (nth history pos)]
          (cond
            (not (client? e)) (recur (inc pos) open out)
            (= :invoke (:type e)) (recur (inc pos) (assoc open (:process e) [pos e]) out)
            :else
            (let [[call inv] (get open (:process e))
                  open (dissoc open (:process e))]
              (cond
                (nil? inv) (throw (ex-info "a completion without an invocation" {:op e}))
                (= :fail (:type e)) (recur (inc pos) open out)
                (= :ok (:type e)) (recur (inc pos) open
                                         (conj! out {:key (first (:value inv)) :f (:f inv) :in (second (:value inv))
                                                     :out (second (:value e)) :call call :ret pos :op e}))
                :else (recur (inc pos) open (if-let [o (indeterminate call inv)] (conj! out o) out))))))))))

(defn- step
  "The register model: the state is the id of the write the block holds (0: never written)."
  [state op]
  (case (:f op)
    :write [true (:in op)]
    :read (if (= unknown (:out op)) [true state] [(= (:out op) state) state])))

(defn check-register
  "Checks the ops of one register. Returns {:valid? true}, {:valid? false :op op :depth n} (op is
  the first op that could not be linearized; depth how many ops the deepest attempt placed) or
  {:valid? :unknown :cause ...}."
  ([ops] (check-register ops {}))
  ([ops {:keys [initial max-configs deadline-ms] :or {initial 0 max-configs 2000000}}]
   (let [ops (vec ops)
         n (count ops)
         ;; events: [time kind op]; calls (kind 0) sort before returns (kind 1) at equal times
         events (vec (sort (for [i (range n) [t k] [[(:call (ops i)) 0] [(:ret (ops i)) 1]]] [t k i])))
         m (count events)
         nxt (int-array (inc m))
         prv (int-array (inc m))
         ev-op (int-array (inc m))
         ev-call (boolean-array (inc m))
         match (int-array (inc m))
         definite (count (filter #(not= infinity (:ret %)) ops))
         deadline (when deadline-ms (+ (System/currentTimeMillis) (long deadline-ms)))
         cache (HashSet.)
         stack (ArrayDeque.)]
     ;; slot 0 is the head; event j lives in slot j+1
     (let [ret-slot (int-array n)]
       (dotimes [j m]
         (let [[_ k i] (events j) s (inc j)]
           (aset nxt j (int s))
           (aset prv s (int j))
           (aset ev-op s (int i))
           (aset ev-call s (boolean (zero? k)))
           (when (= 1 k) (aset ret-slot i (int s)))))
       (aset nxt m (int -1))
       (dotimes [j m]
         (let [s (inc j)]
           (when (aget ev-call s) (aset match s (aget ret-slot (aget ev-op s)))))))
     (let [unlink (fn [^long j] (aset nxt (aget prv j) (aget nxt j))
                    (when (not= -1 (aget nxt j)) (aset prv (aget nxt j) (aget prv j))))
           relink (fn [^long j] (aset nxt (aget prv j) (int j))
                    (when (not= -1 (aget nxt j)) (aset prv (aget nxt j) (int j))))
           lift (fn [^long e] (unlink e) (unlink (aget match e)))
           unlift (fn [^long e] (relink (aget match e)) (relink e))
           definite? (fn [^long i] (not= infinity (:ret (ops i))))]
       ;; stuck: [stack depth, op] of the deepest dead end: the op the longest linearization could not place
       (loop [e (aget nxt 0), state initial, ^BitSet lin (BitSet.), done 0, depth 0, stuck [-1 0]]
         (cond
           (or (= done definite) (= -1 (aget nxt 0))) {:valid? true :configs (.size cache)}
           (> (.size cache) (long max-configs)) {:valid? :unknown :cause :max-configs :configs (.size cache)}
           (and deadline (> (System/currentTimeMillis) (long deadline))) {:valid? :unknown :cause :deadline}
           (and (not= -1 e) (aget ev-call e))
           (let [i (aget ev-op e)
                 [ok s2] (step state (ops i))]
             (if ok
               (let [^BitSet lin2 (.clone lin)]
                 (.set lin2 i)
                 (if (.add cache [lin2 s2])
                   (do (.push stack (object-array [e state lin]))
                       (lift e)
                       (recur (aget nxt 0) s2 lin2 (if (definite? i) (inc done) done) (max depth (.size stack)) stuck))
                   (recur (aget nxt e) state lin done depth stuck)))
               (recur (aget nxt e) state lin done depth stuck)))
           :else
           (let [stuck (if (and (not= -1 e) (> (.size stack) (long (first stuck)))) [(.size stack) (aget ev-op e)] stuck)]
             (if (.isEmpty stack)
               {:valid? false :op (:op (ops (second stuck))) :depth depth :configs (.size cache)}
               (let [^objects frame (.pop stack)
                     e0 (long (aget frame 0))]
                 (unlift e0)
                 (recur (aget nxt e0) (aget frame 1) (aget frame 2)
                        (if (definite? (aget ev-op e0)) (dec done) done) depth stuck))))))))))

(defn prune
  "Drops writes of unknown outcome whose value no read saw. With unique write values this changes
  no verdict: a linearization that places such a write must overwrite it before any read (no read
  returned it), so leaving it out is a linearization too; and one that leaves it out is one of the
  allowed outcomes of an unknown write. Crashed writes are what makes the search expensive (each
  may or may not have happened, at any point after its call), so this keeps blocks that went
  through many faults decidable."
  [ops]
  (let [seen (set (keep #(when (and (= :read (:f %)) (not= unknown (:out %))) (:out %)) ops))]
    (vec (remove #(and (= :write (:f %)) (= infinity (:ret %)) (not (contains? seen (:in %)))) ops))))

(defn check
  "Checks a whole history, one register (block) at a time. Returns {:valid? true|false|:unknown
  :blocks n :ops n :failures {block result}} where failures holds every block that is not valid."
  ([history] (check history {}))
  ([history opts]
   (let [ops (complete-ops history)
         results (into (sorted-map) (for [[k kops] (group-by :key ops)] [k (check-register (prune kops) opts)]))
         bad (into (sorted-map) (remove (comp true? :valid? val) results))
         verdicts (set (map :valid? (vals results)))]
     {:valid? (cond (contains? verdicts false) false (contains? verdicts :unknown) :unknown :else true)
      :blocks (count results)
      :ops (count ops)
      :pruned (- (count ops) (reduce + (map (comp count prune val) (group-by :key ops))))
      :failures bad})))
