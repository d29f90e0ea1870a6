(ns cairn.jepsen.summary
  "jepsen/summary DIR...: one Markdown table row per results directory (for docs/jepsen.md)."
  (:require [clojure.edn :as edn]
            [clojure.java.io :as io]
            [clojure.string :as str]))

(defn- history [dir]
  (with-open [r (io/reader (io/file dir "history.edn"))]
    (mapv edn/read-string (line-seq r))))

(defn- verdict-line [dir]
  (some #(when (str/starts-with? % "verdict: ") (subs % 9))
        (str/split-lines (slurp (io/file dir "verdict.txt")))))

(defn row [dir]
  (let [res (edn/read-string {:default (fn [_ v] v)} (slurp (io/file dir "results.edn")))
        h (history dir)
        r (:results res)
        client (filter #(and (integer? (:process %)) (not (:final? %))) h)
        count-type (fn [t] (count (filter #(= t (:type %)) client)))
        faults (count (filter #(and (= :nemesis (:process %)) (= :invoke (:type %))) h))
        a (:availability r)
        [verdict nemesis] (let [v (verdict-line dir)] [(first (str/split v #" ")) (second (str/split v #" - "))])]
    (format "| %s | **%s** | %d / %d / %d / %d | %d | %s | %s | %s | %.0f s | %.1f s | %d |"
            nemesis verdict
            (count-type :invoke) (count-type :ok) (count-type :fail) (count-type :info)
            faults
            (let [v (get-in r [:linearizable :valid?] :unknown)] (if (keyword? v) (name v) (str v)))
            (format "%d reads, %d bad" (get-in r [:decode :reads] 0) (get-in r [:decode :bad-count] 0))
            (format "%d/%d" (get-in r [:final-read :blocks-read] 0) (get-in r [:final-read :blocks-written] 0))
            (double (:unavailable-s a 0)) (double (:max-recovery-s a 0)) (:not-recovered a 0))))

(defn -main [& dirs]
  (println "| run | verdict | ops invoked / ok / fail / info | nemesis ops | linearizable | decode | final read (blocks read / acked) | time without an ok op | slowest recovery after a heal | heals not recovered before the next fault |")
  (println "| --- | --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: |")
  (doseq [d dirs] (println (row d))))
