(ns cairn.jepsen.cli
  "jepsen/run: runs one test and prints its verdict. Exit status: 0 valid, 1 invalid, 2 unknown
  (a checker could not decide, or the run was aborted), 3 bad arguments."
  (:require [cairn.jepsen.core :as core]
            [cairn.jepsen.nemesis :as nemesis]
            [cairn.jepsen.register :as register]
            [cairn.jepsen.util :as u]
            [clojure.java.io :as io]
            [clojure.string :as str]
            [clojure.tools.cli :as cli])
  (:import (java.time LocalDateTime)
           (java.time.format DateTimeFormatter)))

(defn- pos-int [name] [parse-long #(and % (pos? %)) (str name " must be a positive integer")])

(def options
  [[nil "--nodes N" "how many Cairn nodes, each in its own network namespace (at least 3)"
    :default 5 :parse-fn parse-long :validate [#(and % (<= 3 % 9)) "--nodes must be between 3 and 9"]]
   [nil "--time-limit SECONDS" "how long the workload and the faults run" :default 60
    :parse-fn parse-long :validate (rest (pos-int "--time-limit"))]
   [nil "--nemesis LIST" (str "faults, comma-separated: " (str/join "," (map name (keys nemesis/families))) ", all or none")
    :default "all"]
   [nil "--workload NAME" "the workload; register is the one there is" :default "register"
    :validate [#{"register"} "the only workload is register"]]
   [nil "--concurrency N" "client workers, each with its own NBD connection" :default 10
    :parse-fn parse-long :validate (rest (pos-int "--concurrency"))]
   [nil "--per-key N" "workers sharing one block at a time" :default 5
    :parse-fn parse-long :validate (rest (pos-int "--per-key"))]
   [nil "--ops-per-key N" "ops on a block before its workers move to a fresh one" :default 100
    :parse-fn parse-long :validate (rest (pos-int "--ops-per-key"))]
   [nil "--rate OPS" "client ops per second, all workers together" :default 100
    :parse-fn parse-double :validate [#(and % (pos? %)) "--rate must be positive"]]
   [nil "--interval SECONDS" "how long a fault lasts, on average" :default 10
    :parse-fn parse-double :validate [#(and % (pos? %)) "--interval must be positive"]]
   [nil "--quiet SECONDS" "calm between faults" :default 10
    :parse-fn parse-double :validate [#(and % (>= % 0)) "--quiet must not be negative"]]
   [nil "--volume-mb MB" "size of the test volume" :default 256
    :parse-fn parse-long :validate (rest (pos-int "--volume-mb"))]
   [nil "--op-timeout-ms MS" "an NBD request with no answer after this is :info (writes) or :fail (reads)"
    :default 5000 :parse-fn parse-long :validate (rest (pos-int "--op-timeout-ms"))]
   [nil "--final-timeout SECONDS" "how long the final reads may retry" :default 180
    :parse-fn parse-long :validate (rest (pos-int "--final-timeout"))]
   [nil "--check-seconds SECONDS" "time budget of the linearizability search (past it: unknown)" :default 300
    :parse-fn parse-long :validate (rest (pos-int "--check-seconds"))]
   [nil "--jar PATH" "the built node (cluster-cli/target/cairn.jar)"]
   [nil "--results DIR" "where this run's history, results, plot and node logs go (default jepsen/store/<time>)"]
   [nil "--work DIR" "the nodes' data directories" :default "/tmp/cairn-jepsen"]
   [nil "--keep-data" "keep the nodes' data directories after the run"]
   [nil "--node-set KEY=VALUE" "a node.yaml setting for every node, e.g. journal-threshold=4K (repeatable)"
    :default {} :multi true
    :parse-fn (fn [^String s] (let [i (.indexOf s "=")] (when (pos? i) [(subs s 0 i) (subs s (inc i))])))
    :validate [some? "--node-set takes KEY=VALUE"]
    :update-fn (fn [m [k v]] (assoc m (keyword k) v))]
   ["-h" "--help"]])

(defn- fmt-share [x] (if x (format "%.1f%%" (* 100 (double x))) "n/a"))

(defn- line [k r]
  (let [status (case (:valid? r) true "passed" false "FAILED" "UNKNOWN")
        detail (case k
                 :linearizable (let [by (group-by (comp :valid? val) (:failures r))
                                     blocks #(str/join "," (take 10 (map key %)))]
                                 (str (format "%d blocks, %d ops" (:blocks r 0) (:ops r 0))
                                      (when-let [bad (by false)] (str "; NOT linearizable: blocks " (blocks bad)))
                                      (when-let [unk (by :unknown)] (str "; undecided (search budget spent): blocks " (blocks unk)))))
                 :decode (format "%d reads; torn/misdirected/corrupt/garbage: %d %s" (:reads r 0) (:bad-count r 0) (or (:by-kind r) ""))
                 :final-read (format "%d blocks written, %d read back after the restart; problems: %d" (:blocks-written r 0) (:blocks-read r 0) (:problem-count r 0))
                 :availability (format "ops ok %s (%s in calm periods); %.0f of %.0f s without an ok op; slowest recovery after a heal %.1f s; %d heal(s) not recovered before the next fault"
                                       (fmt-share (:ok-share-overall r)) (fmt-share (:ok-share-calm r))
                                       (double (:unavailable-s r 0)) (double (:workload-s r 0)) (double (:max-recovery-s r 0))
                                       (:not-recovered r 0))
                 :plot (str (:file r))
                 (pr-str (dissoc r :valid?)))]
    (format "%-14s %-8s %s%s" (name k) status detail (if (:error r) (str " error: " (:error r)) ""))))

(defn -main [& args]
  (let [{:keys [options errors summary]} (cli/parse-opts args options)
        here (System/getProperty "cairn.jepsen.dir" "jepsen")]
    (cond
      (:help options) (do (println "jepsen/run [options]\n" summary) (System/exit 0))
      (seq errors) (do (binding [*out* *err*] (run! println errors) (println "see jepsen/run --help"))
                       (System/exit 3)))
    (let [fams (try (nemesis/parse-families (:nemesis options))
                    (catch clojure.lang.ExceptionInfo e
                      (binding [*out* *err*] (println (.getMessage e))) (System/exit 3)))
          jar (or (:jar options) (str (io/file here ".." "cluster-cli" "target" "cairn.jar")))
          stamp (.format (LocalDateTime/now) (DateTimeFormatter/ofPattern "yyyyMMdd'T'HHmmss"))
          results-dir (or (:results options) (str (io/file here "store" (str "register-" stamp))))
          _ (when-not (.isFile (io/file jar))
              (binding [*out* *err*] (println "no node jar at" jar "- build it: ./mvnw -pl cluster-cli -am package -DskipTests"))
              (System/exit 3))
          opts (assoc options :nemesis fams :jar (.getCanonicalPath (io/file jar)) :results results-dir
                      :work (str (io/file (:work options) stamp))
                      :name (str "register " (:nodes options) " nodes " (:time-limit options) " s nemesis "
                                 (if (seq fams) (str/join "," (map name fams)) "none")
                                 (str/join (for [[k v] (:node-set options)] (str " " (name k) "=" v)))))
          test (core/run! (register/test-map opts))
          {:keys [valid? results]} (:results test)
          lines (for [[k r] results] (line k r))
          counts (frequencies (map (comp :valid? val) results))
          verdict (str (case valid? true "VALID" false "INVALID" "UNKNOWN") " - " (:name opts) " - "
                       (count (filter #(= :invoke (:type %)) (:history test))) " ops - " results-dir)
          summary-text (str (str/join "\n" lines) "\n"
                            (format "%d passed, %d failed, %d unknown" (counts true 0) (counts false 0)
                                    (- (count results) (counts true 0) (counts false 0)))
                            "\nverdict: " verdict "\n")]
      (spit (io/file results-dir "verdict.txt") summary-text)
      (print summary-text)
      (flush)
      (shutdown-agents)
      (System/exit (case valid? true 0 false 1 2)))))
