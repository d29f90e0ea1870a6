(ns cairn.jepsen.checker.linear-test
  "The checker is checked: linearizable histories pass; stale reads, lost writes, reads of values
  never written and impossible orders fail; an exhausted budget answers :unknown."
  (:require [clojure.test :refer [deftest is testing]]
            [cairn.jepsen.checker.linear :as linear]))

(defn h
  "A history from [process type f value] rows, in real-time order."
  [& rows]
  (vec (map-indexed (fn [i [p t f v]] {:index i :time (* 1000 i) :process p :type t :f f :value v}) rows)))

(defn valid [history] (:valid? (linear/check history)))

(deftest sequential-histories
  (is (true? (valid (h [0 :invoke :read [1 nil]] [0 :ok :read [1 0]]))) "an unwritten block reads as write 0 (zeros)")
  (is (true? (valid (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 5]]))))
  (is (true? (valid (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [0 :invoke :write [1 6]] [0 :ok :write [1 6]]
                       [1 :invoke :read [1 nil]] [1 :ok :read [1 6]])))))

(deftest concurrent-reads-may-see-either-side-of-a-write
  (doseq [seen [0 5]]
    (is (true? (valid (h [0 :invoke :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 seen]] [0 :ok :write [1 5]])))
        (str "a read overlapping the write may see " seen))))

(deftest stale-read
  (let [r (linear/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 0]]))]
    (is (false? (:valid? r)))
    (is (= {:process 1 :type :ok :f :read :value [1 0]} (select-keys (get-in r [:failures 1 :op]) [:process :type :f :value])))))

(deftest lost-write
  (is (false? (valid (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [0 :invoke :write [1 6]] [0 :ok :write [1 6]]
                        [1 :invoke :read [1 nil]] [1 :ok :read [1 5]])))
      "the later acknowledged write is gone"))

(deftest read-of-a-value-never-written
  (is (false? (valid (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 7]])))))

(deftest impossible-order
  (is (false? (valid (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [0 :invoke :write [1 6]] [0 :ok :write [1 6]]
                        [1 :invoke :read [1 nil]] [1 :ok :read [1 6]] [2 :invoke :read [1 nil]] [2 :ok :read [1 5]])))
      "after a read saw 6, a later read cannot see the older 5")
  (is (false? (valid (h [0 :invoke :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 5]] [2 :invoke :read [1 nil]]
                        [2 :ok :read [1 0]] [0 :ok :write [1 5]])))
      "once a read saw the write, a later read cannot see the block before it"))

(deftest indeterminate-writes-may-or-may-not-happen
  (testing ":info write"
    (is (true? (valid (h [0 :invoke :write [1 5]] [0 :info :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 5]]))))
    (is (true? (valid (h [0 :invoke :write [1 5]] [0 :info :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 0]]))))
    (is (true? (valid (h [0 :invoke :write [1 5]] [0 :info :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 0]]
                         [1 :invoke :read [1 nil]] [1 :ok :read [1 5]])))
        "it may take effect long after its invocation")
    (is (false? (valid (h [0 :invoke :write [1 5]] [0 :info :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 5]]
                          [1 :invoke :read [1 nil]] [1 :ok :read [1 0]])))
        "but once seen it cannot un-happen"))
  (testing "a write still open when the history ends counts as :info"
    (is (true? (valid (h [0 :invoke :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 5]])))))
  (testing ":fail write never happened"
    (is (false? (valid (h [0 :invoke :write [1 5]] [0 :fail :write [1 5]] [1 :invoke :read [1 nil]] [1 :ok :read [1 5]])))))
  (testing ":info and open reads observed nothing"
    (is (true? (valid (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [1 :invoke :read [1 nil]] [1 :info :read [1 nil]]
                         [2 :invoke :read [1 nil]]))))))

(deftest blocks-are-checked-separately
  (let [r (linear/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [0 :invoke :write [2 6]] [0 :ok :write [2 6]]
                           [1 :invoke :read [1 nil]] [1 :ok :read [1 5]] [1 :invoke :read [2 nil]] [1 :ok :read [2 0]]))]
    (is (false? (:valid? r)))
    (is (= 2 (:blocks r)))
    (is (= [2] (keys (:failures r))) "only block 2 failed")))

(deftest nemesis-ops-are-ignored
  (is (true? (valid (h [:nemesis :info :kill ["n1"]] [0 :invoke :write [1 5]] [0 :ok :write [1 5]] [:nemesis :info :kill :done]
                       [1 :invoke :read [1 nil]] [1 :ok :read [1 5]])))))

(deftest an-exhausted-budget-answers-unknown-not-false
  (let [writes (for [p (range 8)] [p :invoke :write [1 (inc p)]])
        done (for [p (range 8)] [p :ok :write [1 (inc p)]])
        history (apply h (concat writes done [[9 :invoke :read [1 nil]] [9 :ok :read [1 99]]]))]
    (is (= :unknown (:valid? (linear/check history {:max-configs 10}))))
    (is (false? (:valid? (linear/check history))) "with the default budget it finds the read of 99 impossible")))

(deftest many-concurrent-writers-stay-tractable
  (let [n 12
        history (apply h (concat (for [p (range n)] [p :invoke :write [1 (inc p)]])
                                 (for [p (range n)] [p :ok :write [1 (inc p)]])
                                 [[99 :invoke :read [1 nil]] [99 :ok :read [1 7]]]))]
    (is (true? (:valid? (linear/check history {:deadline-ms 20000}))))))

(deftest unobserved-crashed-writes-are-pruned-without-changing-verdicts
  (let [crashed (for [p (range 10 40)] [[p :invoke :write [1 (+ 100 p)]] [p :info :write [1 (+ 100 p)]]])
        history (fn [& tail] (apply h (concat [[0 :invoke :write [1 5]] [0 :ok :write [1 5]]]
                                              (mapcat identity crashed) tail)))]
    (testing "30 concurrent crashed writes nobody read: decided at once, with a tiny budget"
      (let [r (linear/check (history [1 :invoke :read [1 nil]] [1 :ok :read [1 5]]) {:max-configs 1000})]
        (is (true? (:valid? r)))
        (is (= 30 (:pruned r)))
        (is (= :unknown (:valid? (linear/check-register
                                  (linear/complete-ops (history [1 :invoke :read [1 nil]] [1 :ok :read [1 5]]))
                                  {:max-configs 1000})))
            "unpruned, the same block exhausts that budget")))
    (testing "a crashed write that was read stays, and may have happened"
      (is (true? (valid (history [1 :invoke :read [1 nil]] [1 :ok :read [1 115]])))))
    (testing "pruning hides no anomaly: a stale read after a later acked write still fails"
      (is (false? (:valid? (linear/check (history [0 :invoke :write [1 6]] [0 :ok :write [1 6]]
                                                  [1 :invoke :read [1 nil]] [1 :ok :read [1 5]])
                                         {:max-configs 1000})))))))
