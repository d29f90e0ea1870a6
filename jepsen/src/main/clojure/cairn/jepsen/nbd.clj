(ns cairn.jepsen.nbd
  "A small userspace NBD client (this kernel has no nbd module): fixed newstyle handshake with
  NBD_OPT_GO, then READ, WRITE (optionally FUA), FLUSH and DISC with simple replies, one request
  in flight per connection. Every wait is bounded by the connection's timeout; a timeout or a lost
  connection throws, and the caller decides what that means for its op."
  (:import (java.io BufferedInputStream BufferedOutputStream DataInputStream DataOutputStream EOFException)
           (java.net InetSocketAddress Socket)
           (java.nio.charset StandardCharsets)))

(set! *warn-on-reflection* true)

(def ^:private nbd-magic 0x4e42444d41474943)
(def ^:private opt-magic 0x49484156454F5054)
(def ^:private rep-magic 0x3e889045565a9)
(def ^:private request-magic 0x25609513)
(def ^:private simple-reply-magic 0x67446698)
(def ^:private opt-go 7)
(def ^:private rep-ack 1)
(def ^:private rep-info 3)
(def ^:private cmd-read 0)
(def ^:private cmd-write 1)
(def ^:private cmd-disc 2)
(def ^:private cmd-flush 3)
(def cmd-flag-fua 1)

(defrecord Conn [^Socket socket ^DataInputStream in ^DataOutputStream out size flags handle])

(defn- fail! [msg data] (throw (ex-info msg (assoc data :nbd-error true))))

(defn connect
  "Opens a connection to export `export` at host:port. Returns a Conn with the export's :size.
  Throws ex-info with :refused true when the server refuses the export (e.g. not the primary)."
  [host port export {:keys [connect-timeout-ms timeout-ms] :or {connect-timeout-ms 2000 timeout-ms 5000}}]
  (let [s (Socket.)]
    (try
      (.connect s (InetSocketAddress. ^String host (int port)) (int connect-timeout-ms))
      (.setSoTimeout s (int timeout-ms))
      (.setTcpNoDelay s true)
      (let [in (DataInputStream. (BufferedInputStream. (.getInputStream s) 65536))
            out (DataOutputStream. (BufferedOutputStream. (.getOutputStream s) 65536))]
        (when-not (= nbd-magic (.readLong in)) (fail! "not an NBD server (bad magic)" {}))
        (when-not (= opt-magic (.readLong in)) (fail! "not a newstyle NBD server" {}))
        (let [hflags (.readUnsignedShort in)
              no-zeroes (bit-and hflags 2)]
          (when (zero? (bit-and hflags 1)) (fail! "server is not fixed-newstyle" {}))
          (.writeInt out (int (bit-or 1 no-zeroes)))
          (let [name (.getBytes ^String export StandardCharsets/UTF_8)]
            (.writeLong out opt-magic)
            (.writeInt out opt-go)
            (.writeInt out (+ 4 (alength name) 2))
            (.writeInt out (alength name))
            (.write out name)
            (.writeShort out 0))
          (.flush out)
          (loop [size nil flags nil]
            (when-not (= rep-magic (.readLong in)) (fail! "bad option reply magic" {}))
            (.readInt in)
            (let [type (.readInt in)
                  len (.readInt in)
                  data (byte-array len)]
              (.readFully in data)
              (cond
                (= type rep-ack)
                (do (when-not size (fail! "server sent no export info" {}))
                    (->Conn s in out size flags (atom 0)))
                (= type rep-info)
                (let [bb (java.nio.ByteBuffer/wrap data)]
                  (if (and (>= len 12) (zero? (.getShort bb)))
                    (recur (.getLong bb) (bit-and 0xffff (.getShort bb)))
                    (recur size flags)))
                (neg? type)
                (fail! (str "server refused export " export ": " (String. data StandardCharsets/UTF_8))
                       {:refused true :reply type})
                :else (recur size flags))))))
      (catch Throwable t
        (.close s)
        (throw t)))))

(defn close [^Conn c]
  (when c
    (try
      (let [^DataOutputStream out (:out c)]
        (.writeInt out request-magic) (.writeShort out 0) (.writeShort out cmd-disc)
        (.writeLong out 0) (.writeLong out 0) (.writeInt out 0) (.flush out))
      (catch Exception _))
    (try (.close ^Socket (:socket c)) (catch Exception _))))

(defn- request! [^Conn c type flags offset length ^bytes data]
  (let [^DataOutputStream out (:out c)
        ^DataInputStream in (:in c)
        handle (swap! (:handle c) inc)]
    (.writeInt out request-magic)
    (.writeShort out (int flags))
    (.writeShort out (int type))
    (.writeLong out handle)
    (.writeLong out (long offset))
    (.writeInt out (int length))
    (when data (.write out data))
    (.flush out)
    (when-not (= simple-reply-magic (.readInt in)) (fail! "bad reply magic" {}))
    (let [error (.readInt in)
          h (.readLong in)]
      (when-not (= h handle) (fail! (str "reply for handle " h ", expected " handle) {}))
      (when-not (zero? error) (throw (ex-info (str "NBD error " error) {:nbd-errno error})))
      (when (= type cmd-read)
        (let [buf (byte-array length)]
          (.readFully in buf)
          buf)))))

(defn read-block ^bytes [c offset length] (request! c cmd-read 0 offset length nil))

(defn write-block [c offset ^bytes data fua?]
  (request! c cmd-write (if fua? cmd-flag-fua 0) offset (alength data) data))

(defn flush! [c] (request! c cmd-flush 0 0 0 nil))

(defn eof? [e] (instance? EOFException e))
