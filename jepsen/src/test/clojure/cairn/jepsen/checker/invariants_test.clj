(ns cairn.jepsen.checker.invariants-test
  "The decode, final-read and availability checkers, on hand-written histories."
  (:require [clojure.test :refer [deftest is testing]]
            [cairn.jepsen.checker.availability :as availability]
            [cairn.jepsen.checker.decode :as decode]
            [cairn.jepsen.checker.final :as final]
            [cairn.jepsen.checker.perf :as perf]))

(defn h
  "A history from [process type f value & {extra}] rows; op i happens at i seconds."
  [& rows]
  (vec (map-indexed (fn [i [p t f v extra]] (merge {:index i :time (* 1000000000 i) :process p :type t :f f :value v} extra))
                    rows)))

(deftest decode-flags-torn-reads
  (is (true? (:valid? (decode/check (h [0 :invoke :read [1 nil]] [0 :ok :read [1 5]])))))
  (let [r (decode/check (h [0 :invoke :read [1 nil]] [0 :ok :read [1 :torn] {:decode {:error :torn}}]))]
    (is (false? (:valid? r)))
    (is (= {:torn 1} (:by-kind r)))))

(def final-read {:final? true})

(deftest final-read-sees-the-last-acknowledged-write
  (is (true? (:valid? (final/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]]
                                      [0 :invoke :write [1 6]] [0 :ok :write [1 6]]
                                      [1 :invoke :read [1 nil] final-read] [1 :ok :read [1 6] final-read]))))))

(deftest final-read-of-an-older-write-is-a-lost-write
  (let [r (final/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]]
                          [0 :invoke :write [1 6]] [0 :ok :write [1 6]]
                          [1 :invoke :read [1 nil] final-read] [1 :ok :read [1 5] final-read]))]
    (is (false? (:valid? r)))
    (is (= :lost-later-write (:problem (first (:problems r)))))))

(deftest final-read-of-zeros-after-an-ack-lost-everything
  (is (= :lost-all (-> (final/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]]
                                       [1 :invoke :read [1 nil] final-read] [1 :ok :read [1 0] final-read]))
                       :problems first :problem))))

(deftest final-read-may-see-a-write-of-unknown-outcome
  (testing "an :info write that overlapped or followed the last ack may have won"
    (is (true? (:valid? (final/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]]
                                        [0 :invoke :write [1 6]] [0 :info :write [1 6]]
                                        [1 :invoke :read [1 nil] final-read] [1 :ok :read [1 6] final-read])))))))

(deftest final-read-of-a-value-never-written
  (is (= :never-written (-> (final/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]]
                                            [1 :invoke :read [1 nil] final-read] [1 :ok :read [1 9] final-read]))
                            :problems first :problem))))

(deftest final-read-missing-is-unknown-not-valid
  (is (= :unknown (:valid? (final/check (h [0 :invoke :write [1 5]] [0 :ok :write [1 5]])))))
  (is (= :unknown (:valid? (final/check (h [1 :invoke :read [1 nil]] [1 :ok :read [1 0]]))))
      "a run that acknowledged nothing proves nothing"))

(def history-with-a-kill
  ;; t=0..1 a write ok; t=2..3 the nemesis kills; t=4..5 a write fails; t=6..7 restart; t=8..9 a write ok again
  (h [0 :invoke :write [1 1]] [0 :ok :write [1 1]]
     [:nemesis :invoke :kill nil] [:nemesis :info :kill {:killed "n1"}]
     [0 :invoke :write [1 2]] [0 :fail :write [1 2]]
     [:nemesis :invoke :restart nil] [:nemesis :info :restart {:started ["n1"]}]
     [0 :invoke :write [1 3]] [0 :ok :write [1 3]]))

(deftest availability-windows-and-recovery
  (let [r (availability/check history-with-a-kill)]
    (is (= [{:f :kill :start 2000000000 :end 7000000000}]
           (map #(select-keys % [:f :start :end]) (availability/windows history-with-a-kill))))
    (is (= 1 (count (:windows r))))
    (is (= 0.0 (:ok-share (first (:windows r)))) "the one op in the window failed")
    (is (= 2.0 (:recovered-after-s (first (:recovery r)))) "first ok at 9 s, heal at 7 s")
    (is (= 8.0 (:unavailable-s r)) "8 s between the ok ops at 1 s and 9 s")
    (is (true? (:valid? r)))))

(deftest no-recovery-after-the-last-heal-is-a-liveness-failure
  (let [r (availability/check (conj (vec (butlast (butlast history-with-a-kill)))
                                    {:index 8 :time 8000000000 :process 0 :type :invoke :f :write :value [1 3]}
                                    {:index 9 :time 9000000000 :process 0 :type :fail :f :write :value [1 3]}))]
    (is (false? (:valid? r)))))

(deftest plot-shades-fault-windows
  (let [svg (perf/svg history-with-a-kill "t")]
    (is (re-find #"<svg" svg))
    (is (re-find #"kill -9" svg) "the legend names the fault")
    (is (re-find #"fill='#f4a582' opacity" svg) "the kill window is shaded")))
