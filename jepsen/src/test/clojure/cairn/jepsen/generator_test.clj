(ns cairn.jepsen.generator-test
  (:require [clojure.test :refer [deftest is]]
            [cairn.jepsen.generator :as g]))

(defn drain [gen n] (vec (take-while some? (repeatedly n #(gen {:thread 0})))))

(deftest maps-seqs-and-limits
  (is (= [{:f :read} {:f :read}] (drain (g/limit 2 {:f :read}) 10)))
  (is (= [1 2 3] (drain (g/->gen [1 2 3]) 10)))
  (is (every? #{{:f :a} {:f :b}} (drain (g/limit 50 (g/mix [{:f :a} {:f :b}])) 100))))

(deftest time-limit-stops-and-clips-sleeps
  (let [gen (g/time-limit 0.3 [(g/sleep 10)])
        op (gen {})]
    (is (= :sleep (:type op)))
    (is (<= (:value op) 0.3) "a sleep never outlasts the limit"))
  (let [gen (g/time-limit 0.05 {:f :read})]
    (is (= {:f :read} (gen {})) "the clock starts at the first call")
    (Thread/sleep 100)
    (is (nil? (gen {})) "expired")))

(deftest nemesis-schedule-starts-calm-and-pairs-faults
  (let [ops (drain (g/nemesis-schedule [[{:f :kill} {:f :restart}]] {:interval 4 :quiet 2}) 7)]
    (is (= [:sleep nil :sleep nil :sleep nil :sleep] (map :type ops)))
    (is (= [nil :kill nil :restart nil :kill nil] (map :f ops)))
    (is (<= 2 (:value (nth ops 2)) 6) "a fault lasts interval/2 .. 3 interval/2")))

(deftest until-done-retries-what-did-not-succeed
  (let [gen (g/until-done [1 2] #(g/item {:f :read :value [% nil]} %) 5)
        complete! (:complete! (meta gen))
        a (gen {}) b (gen {})]
    (complete! (assoc a :type :ok))
    (complete! (assoc b :type :fail))
    (let [c (gen {})]
      (is (= (:value b) (:value c)) "the failed item comes back")
      (complete! (assoc c :type :ok))
      (is (nil? (gen {})) "done once everything succeeded"))))
