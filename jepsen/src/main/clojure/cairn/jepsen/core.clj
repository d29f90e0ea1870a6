(ns cairn.jepsen.core
  "The runner. A test map has :name :nodes :concurrency :db :client :nemesis? :generator (a vector
  of phases, see cairn.jepsen.generator) :checkers and :results. run! sets the DB up, runs each
  phase with one worker thread per client (plus the nemesis thread), records every invocation and
  completion in the history, tears the DB down, and checks the history. An op's completion is
  :ok (it happened), :fail (it did not) or :info (unknown); after an :info the worker's process
  retires and a fresh one (process + concurrency) with a fresh client takes its place, so that
  an op of unknown outcome stays concurrent with everything after it."
  (:refer-clojure :exclude [run!])
  (:require [cairn.jepsen.client :as client]
            [cairn.jepsen.db :as db]
            [cairn.jepsen.generator :as g]
            [cairn.jepsen.nemesis :as nemesis]
            [cairn.jepsen.util :as u]
            [clojure.java.io :as io]
            [clojure.pprint :as pprint]))

(defn- recorder
  "A history that assigns :index and :time (nanoseconds since the start) as ops are appended."
  []
  (let [h (atom []) start (atom (System/nanoTime)) lock (Object.)]
    {:history h
     :start-clock! (fn [] (reset! start (System/nanoTime)))
     :record! (fn [op]
                (locking lock
                  (let [op (assoc op :index (count @h) :time (- (System/nanoTime) @start))]
                    (swap! h conj op)
                    op)))}))

(defn- run-worker [test record! gen thread]
  (let [conc (:concurrency test)
        complete! (:complete! (meta gen))]
    (loop [process thread
           c (client/open! (:client test) test nil)]
      (let [op (gen {:thread thread :process process :test test})]
        (cond
          (nil? op) (client/close! c test)
          (= :pending op) (do (u/sleep-ms 10) (recur process c))
          (= :sleep (:type op)) (do (u/sleep-ms (* 1000 (:value op))) (recur process c))
          :else
          (let [inv (record! (assoc op :type :invoke :process process))
                done (try (client/invoke! c test (dissoc inv :index :time))
                          (catch Throwable t
                            (assoc inv :type :info :error (str "indeterminate: " (.getMessage t)))))
                done (record! (dissoc done :index :time))]
            (when complete! (complete! done))
            (if (= :info (:type done))
              (do (client/close! c test)
                  (recur (+ process conc) (client/open! (:client test) test nil)))
              (recur process c))))))))

(defn- run-nemesis [test record! gen]
  (loop []
    (when-let [op (gen {:thread :nemesis :process :nemesis :test test})]
      (cond
        (= :pending op) (u/sleep-ms 10)
        (= :sleep (:type op)) (u/sleep-ms (* 1000 (:value op)))
        :else (let [inv (record! (assoc op :type :invoke :process :nemesis))
                    _ (u/log "nemesis" (name (:f op)))
                    done (try (nemesis/invoke! test (dissoc inv :index :time))
                              (catch Throwable t
                                (u/log "nemesis" (name (:f op)) "failed:" (.getMessage t))
                                (assoc inv :type :info :error (.getMessage t))))
                    done (record! (dissoc done :index :time))]
                (u/log "nemesis" (name (:f op)) "->" (pr-str (:value done)))))
      (recur))))

(defn- run-phase [test record! {:keys [name clients nemesis]}]
  (u/log "phase" name)
  (let [cg (g/->gen clients)
        cg (if-let [m (meta clients)] (with-meta cg m) cg)
        threads (cond-> (mapv (fn [t] (future (run-worker test record! cg t))) (range (:concurrency test)))
                  nemesis (conj (future (run-nemesis test record! (g/->gen nemesis)))))]
    (doseq [t threads] @t)))

(defn merge-valid
  "false beats :unknown beats true."
  [vs]
  (cond (some false? vs) false (some #(= :unknown %) vs) :unknown :else true))

(defn- write-history! [dir history]
  (with-open [w (io/writer (io/file dir "history.edn"))]
    (doseq [op history] (.write w (pr-str op)) (.write w "\n"))))

(defn check
  "Runs every checker of the test on the history; returns {:valid? :results {name result}}."
  [test history]
  (let [results (into (sorted-map)
                      (for [[k f] (:checkers test)]
                        (do (u/log "checking" (name k))
                            [k (try (f test history)
                                    (catch Throwable t {:valid? :unknown :error (str t)}))])))]
    {:valid? (merge-valid (map :valid? (vals results))) :results results}))

(defn run!
  "Runs a test end to end and returns it with :history and :results; writes the results dir."
  [test]
  (let [dir (io/file (:results test))
        {:keys [history record! start-clock!]} (recorder)
        test (assoc test :record! record!)
        d (:db test)
        hook (Thread. ^Runnable (fn [] (db/teardown! d)))]
    (.mkdirs dir)
    (.addShutdownHook (Runtime/getRuntime) hook)
    (try
      (u/log "setting up" (count (:nodes test)) "nodes in network namespaces")
      (db/setup! d)
      (when-let [f (:setup! test)] (f test))
      (nemesis/setup! test)
      (start-clock!)
      (doseq [phase (:generator test)]
        (run-phase test record! (if (fn? phase) (phase test @history) phase)))
      (catch Throwable t
        (u/log "run aborted:" (str t))
        (spit (io/file dir "error.txt") (with-out-str (.printStackTrace t (java.io.PrintWriter. *out*))))
        (record! {:type :info :process :runner :f :abort :value (str t)}))
      (finally
        (u/log "tearing down")
        (db/teardown! d)
        (try (.removeShutdownHook (Runtime/getRuntime) hook) (catch IllegalStateException _))))
    (let [h @history
          _ (write-history! dir h)
          aborted (some #(= :abort (:f %)) h)
          res (check test h)
          res (if aborted (assoc res :valid? (merge-valid [(:valid? res) :unknown]) :aborted true) res)]
      (spit (io/file dir "results.edn") (with-out-str (pprint/pprint res)))
      (assoc test :history h :results res))))
