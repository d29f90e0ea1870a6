(ns cairn.jepsen.client
  "The register workload's client: one NBD connection per worker to the volume's current primary
  (whatever the cluster's newest attachment says), reconnecting after any failure. A write stamps
  a fresh id into every sector of its block with FUA and is :ok only once the server acknowledged
  it; a write whose connection times out or breaks, or that the server answers with an error, is
  :info (it may still take effect), except EPERM, Cairn's answer to a fenced write, which never
  takes effect (:fail). Reads have no effect, so a failed read is :fail."
  (:require [cairn.jepsen.block :as block]
            [cairn.jepsen.db :as db]
            [cairn.jepsen.nbd :as nbd]
            [cairn.jepsen.util :as u]))

(set! *warn-on-reflection* true)

(defn volume-view
  "The volume as the node that knows the newest attachment describes it (nodes behind a partition
  may lag): asks every node at once and keeps the answer with the highest attachment epoch."
  [nodes volume]
  (let [answers (doall (for [n nodes]
                         (future (u/http :get (str (db/admin-url n) "/v1/volumes/" volume) :timeout-ms 1500))))
        views (keep #(let [r (deref % 3000 nil)] (when (= 200 (:status r)) (:body r))) answers)]
    (when (seq views)
      (apply max-key #(or (get-in % [:attachment :epoch]) -1) views))))

(defn- parse-nbd-url
  "nbd://10.77.0.2:10809/reg → [\"10.77.0.2\" 10809]"
  [url]
  (when-let [[_ h p] (and url (re-matches #"nbd://([^:/]+):(\d+)/.*" url))]
    [h (parse-long p)]))

(defprotocol Client
  (open! [c test node] "A client for one worker.")
  (invoke! [c test op] "Performs op, returns its completion.")
  (close! [c test]))

(defn- connect! [{:keys [conn]} test]
  (or @conn
      (let [view (volume-view (:nodes test) (:volume test))
            [host port] (parse-nbd-url (:nbd view))]
        (when-not host
          (throw (ex-info "no primary to connect to" {:definite true :view (select-keys view [:state :primary :attachment])})))
        (let [c (try (nbd/connect host port (:volume test) {:timeout-ms (:op-timeout-ms test 5000)})
                     (catch Exception e
                       (throw (ex-info (str "connect to " host ": " (.getMessage e)) {:definite true} e))))]
          (reset! conn c)
          c))))

(defn- drop-conn! [{:keys [conn]}]
  (nbd/close @conn)
  (reset! conn nil))

(defrecord RegisterClient [conn]
  Client
  (open! [_ _ _] (->RegisterClient (atom nil)))
  (close! [this _] (drop-conn! this))
  (invoke! [this test op]
    (let [[blk v] (:value op)
          offset (* (long blk) block/block-size)]
      (try
        (let [c (connect! this test)]
          (try
            (case (:f op)
              :write (do (nbd/write-block c offset (block/encode blk v) true)
                         (assoc op :type :ok))
              :read (let [d (block/decode blk (nbd/read-block c offset block/block-size))]
                      (if (:error d)
                        (assoc op :type :ok :value [blk (:error d)] :decode d)
                        (assoc op :type :ok :value [blk (:id d)]))))
            (catch Exception e
              (drop-conn! this)
              (cond
                ;; Reads have no effect.
                (= :read (:f op)) (assoc op :type :fail :error (str (.getSimpleName (class e)) ": " (.getMessage e)))
                ;; Cairn answers EPERM only for a write its volume group refused when applying it,
                ;; because the write carried an epoch older than the attachment's (a fenced
                ;; primary): refused identically on every replica, it never takes effect. The
                ;; linearizability checker holds Cairn to that: a read of a fenced write fails it.
                (= 1 (:nbd-errno (ex-data e))) (assoc op :type :fail :error "fenced: EPERM")
                ;; The request may have reached the server: the write may still happen.
                :else (assoc op :type :info :error (str (.getSimpleName (class e)) ": " (.getMessage e)))))))
        (catch clojure.lang.ExceptionInfo e
          (if (:definite (ex-data e))
            ;; Nothing was sent: the op certainly did not happen.
            (do (u/sleep-ms 200) (assoc op :type :fail :error (.getMessage e)))
            (throw e)))))))

(defn register-client [] (->RegisterClient (atom nil)))
