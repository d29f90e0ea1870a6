(ns cairn.jepsen.nemesis-test
  "Partition shapes (pure functions; applying them needs root and runs in jepsen/run)."
  (:require [clojure.test :refer [deftest is testing]]
            [cairn.jepsen.nemesis :as nemesis]))

(def complete-grudge #'nemesis/complete-grudge)
(def ring-grudge #'nemesis/ring-grudge)
(def bridge-grudge #'nemesis/bridge-grudge)

(defn- sees [grudge nodes n] (set (remove (grudge n #{}) nodes)))

(deftest complete-grudge-cuts-between-components
  (is (= {"n1" #{"n2" "n3"} "n2" #{"n1"} "n3" #{"n1"}} (complete-grudge [#{"n1"} #{"n2" "n3"}]))))

(deftest majorities-ring
  (doseq [n [4 5 7]]
    (testing (str n " nodes")
      (let [nodes (mapv #(str "n" %) (range 1 (inc n)))
            g (ring-grudge nodes)
            views (map #(sees g nodes %) nodes)]
        (is (every? #(> (count %) (/ n 2)) views) "every node sees a majority")
        (is (= n (count (set views))) "no two nodes see the same majority")
        (is (every? (fn [[a bs]] (every? #(contains? (g %) a) bs)) g) "cuts are symmetric"))))
  (testing "3 nodes have no majorities ring: a bridge instead"
    (let [nodes ["n1" "n2" "n3"] g (ring-grudge nodes)]
      (is (= 1 (count (filter empty? (vals g))))))))

(deftest bridge
  (let [nodes (mapv #(str "n" %) (range 1 6))
        g (bridge-grudge nodes)
        [b] (filter #(empty? (g %)) nodes)]
    (is b "one node sees everyone")
    (is (every? #(= 3 (count (sees g nodes %))) (remove #{b} nodes)) "the others see their half and the bridge")))

(deftest families-parse
  (is (= [:kill :pause] (nemesis/parse-families "kill,pause")))
  (is (= [] (nemesis/parse-families "none")))
  (is (= 6 (count (nemesis/parse-families "all"))))
  (is (thrown-with-msg? clojure.lang.ExceptionInfo #"unknown nemesis boom" (nemesis/parse-families "kill,boom"))))
