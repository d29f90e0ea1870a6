(ns cairn.jepsen.generator
  "Generators, in Jepsen's spirit but simpler: a generator is a function of a context
  {:thread t :time nanos :test test} that returns the next op (a map), :pending (nothing yet, ask
  again soon), or nil (this thread is done with the phase). A map is a generator that yields itself
  forever; a sequential collection yields its elements in order, across all threads. Combinators
  keep their state in atoms and are safe to share between worker threads.

  A test's generator is a vector of phases, each {:clients g :nemesis g}; the runner runs a phase
  until every thread's generator is exhausted, then starts the next (a barrier, like Jepsen's
  `phases`)."
  (:require [cairn.jepsen.util :as u]))

(defn ->gen
  "Turns maps, collections and functions into generators."
  [x]
  (cond
    (nil? x) (constantly nil)
    (fn? x) x
    (map? x) (constantly x)
    (sequential? x) (let [s (atom (seq x))]
                      (fn [ctx]
                        (let [[old _] (swap-vals! s next)]
                          (when old
                            (let [o (first old)] (if (fn? o) (o ctx) o))))))
    :else (throw (ex-info (str "not a generator: " (pr-str x)) {}))))

(defn mix
  "Each op comes from one of the generators, picked at random."
  [gens]
  (let [gs (mapv ->gen gens)]
    (fn [ctx] ((rand-nth gs) ctx))))

(defn stagger
  "Spaces ops out so that, over all threads together, one starts every `dt` seconds on average
  (uniformly random gaps in [0, 2dt))."
  [dt gen]
  (let [g (->gen gen)
        next-at (atom nil)]
    (fn [ctx]
      (let [now (System/nanoTime)
            at (swap! next-at (fn [t] (+ (max (or t now) (- now (u/secs->nanos (* 2 dt))))
                                         (long (rand (u/secs->nanos (* 2 dt)))))))]
        (u/sleep-ms (quot (- at now) 1000000))
        (g ctx)))))

(defn time-limit
  "Stops the generator `s` seconds after it is first asked."
  [s gen]
  (let [g (->gen gen)
        deadline (atom nil)]
    (fn [ctx]
      (let [d (swap! deadline #(or % (+ (System/nanoTime) (u/secs->nanos s))))]
        (when (< (System/nanoTime) d)
          (let [op (g ctx)
                left-s (/ (- d (System/nanoTime)) 1e9)]
            (cond
              (<= left-s 0) nil
              ;; a schedule's sleep never outlasts the limit
              (and (map? op) (= :sleep (:type op))) (update op :value min left-s)
              :else op)))))))

(defn limit
  "At most n ops, over all threads."
  [n gen]
  (let [g (->gen gen)
        left (atom n)]
    (fn [ctx]
      (when (>= (swap! left dec) 0) (g ctx)))))

(defn sleep
  "An op the runner carries out by waiting `s` seconds (nemesis schedules)."
  [s]
  {:type :sleep :value s})

(defn nemesis-schedule
  "Faults one after another: each is started, left in place for `interval` seconds, stopped, and
  followed by `quiet` seconds of calm; the schedule itself opens with `quiet` seconds of calm. `faults` is a collection of [start-op stop-op] (stop-op nil for
  instant faults such as a primary move); the fault is picked at random each time."
  [faults {:keys [interval quiet]}]
  (let [faults (vec faults)]
    (->gen (mapcat (fn [i]
                     (let [[start stop] (rand-nth faults)]
                       (concat (when (zero? i) [(sleep quiet)])
                               [start]
                               (when stop [(sleep (+ (* 0.5 interval) (rand interval))) stop])
                               [(sleep quiet)])))
                   (range)))))

(defn until-done
  "Runs ops from a queue of work items; an item whose op does not come back :ok is retried, until
  `deadline-s` passes. `item->op` makes an op of an item. The runner calls (:complete! gen) with
  every completion. Used for the final reads."
  [items item->op deadline-s]
  (let [queue (java.util.concurrent.LinkedBlockingQueue. ^java.util.Collection (vec items))
        outstanding (atom 0)
        deadline (atom nil)]
    (with-meta
      (fn [_]
        (let [d (swap! deadline #(or % (+ (System/nanoTime) (u/secs->nanos deadline-s))))]
          (loop []
            (cond
              (> (System/nanoTime) d) nil
              :else (if-let [item (.poll queue)]
                      (do (swap! outstanding inc) (item->op item))
                      (if (zero? @outstanding) nil (do (u/sleep-ms 50) (recur))))))))
      {:complete! (fn [op]
                    (when (not= :ok (:type op)) (.add queue (::item op)))
                    (swap! outstanding dec))})))

(defn item [op it] (assoc op ::item it))
