(ns cairn.jepsen.util
  "Shell commands, the admin API over HTTP, logging and time, shared by the harness."
  (:require [clojure.data.json :as json]
            [clojure.string :as str])
  (:import (java.net URI)
           (java.net.http HttpClient HttpRequest HttpRequest$BodyPublishers HttpResponse$BodyHandlers)
           (java.time Duration LocalDateTime)
           (java.time.format DateTimeFormatter)
           (java.util.concurrent TimeUnit)))

(set! *warn-on-reflection* true)

(def ^:private log-lock (Object.))

(defn log
  "Prints a timestamped line to stderr (the run's progress; results go to stdout)."
  [& parts]
  (locking log-lock
    (binding [*out* *err*]
      (println (str (.format (LocalDateTime/now) (DateTimeFormatter/ofPattern "HH:mm:ss.SSS")) " "
                    (str/join " " parts)))
      (flush))))

(defn sh
  "Runs a command, waits at most timeout-ms, returns {:exit :out :err}. Never throws for a
  non-zero exit; a command that overruns is killed and answers :exit -1."
  ([args] (sh args 30000))
  ([args timeout-ms]
   (let [pb (ProcessBuilder. ^java.util.List (mapv str args))
         p (.start pb)
         out (future (slurp (.getInputStream p)))
         err (future (slurp (.getErrorStream p)))]
     (if (.waitFor p (long timeout-ms) TimeUnit/MILLISECONDS)
       {:exit (.exitValue p) :out @out :err @err}
       (do (.destroyForcibly p) {:exit -1 :out "" :err (str "timed out after " timeout-ms " ms: " (str/join " " args))})))))

(defn sh!
  "Like sh, but throws when the command fails."
  [& args]
  (let [r (sh args)]
    (when-not (zero? (:exit r))
      (throw (ex-info (str "command failed (" (:exit r) "): " (str/join " " args) ": " (str/trim (:err r))) r)))
    (:out r)))

(defonce ^:private ^HttpClient http-client
  (-> (HttpClient/newBuilder) (.connectTimeout (Duration/ofMillis 1000)) (.build)))

(defn http
  "One admin API call. Returns {:status n :body parsed-json-or-nil}, or {:status nil :error msg}
  when the node could not be reached in time."
  [method url & {:keys [body token timeout-ms] :or {timeout-ms 3000}}]
  (try
    (let [b (-> (HttpRequest/newBuilder (URI/create url))
                (.timeout (Duration/ofMillis timeout-ms))
                (.header "Content-Type" "application/json"))
          b (if token (.header b "Authorization" (str "Bearer " token)) b)
          b (.method b (str/upper-case (name method))
                     (if body (HttpRequest$BodyPublishers/ofString (json/write-str body))
                         (HttpRequest$BodyPublishers/noBody)))
          resp (.send http-client (.build b) (HttpResponse$BodyHandlers/ofString))
          text (str (.body resp))]
      {:status (.statusCode resp)
       :body (when-not (str/blank? text) (try (json/read-str text :key-fn keyword) (catch Exception _ text)))})
    (catch Exception e
      {:status nil :error (str (.getSimpleName (class e)) ": " (.getMessage e))})))

(defn sleep-ms [ms] (when (pos? ms) (Thread/sleep (long ms))))

(defn secs->nanos ^long [s] (long (* 1e9 s)))
