(ns cairn.jepsen.block-test
  "The block encoding tells which write a read sees, and tells torn, misdirected, corrupt and
  garbage blocks apart."
  (:require [clojure.test :refer [deftest is]]
            [cairn.jepsen.block :as block]))

(defn- splice
  "The first `n` bytes of a, the rest of b."
  [^bytes a ^bytes b n]
  (let [out (aclone b)] (System/arraycopy a 0 out 0 (int n)) out))

(deftest round-trip
  (is (= {:id 42} (block/decode 7 (block/encode 7 42))))
  (is (= 4096 (alength (block/encode 7 42)))))

(deftest zeros-are-write-0
  (is (= {:id 0} (block/decode 3 (byte-array 4096)))))

(deftest torn-between-two-writes
  (let [d (block/decode 7 (splice (block/encode 7 1) (block/encode 7 2) 2048))]
    (is (= :torn (:error d)))
    (is (= [1 1 1 1 2 2 2 2] (map :id (:sectors d))))))

(deftest torn-half-written-over-zeros
  (is (= :torn (:error (block/decode 7 (splice (block/encode 7 1) (byte-array 4096) 512))))))

(deftest misdirected-block
  (is (= :misdirected (:error (block/decode 8 (block/encode 7 1)))) "block 7's data read at block 8"))

(deftest sectors-out-of-place-are-misdirected
  (let [b (block/encode 7 1)
        swapped (aclone b)]
    (System/arraycopy b 0 swapped 512 512)
    (System/arraycopy b 512 swapped 0 512)
    (is (= :misdirected (:error (block/decode 7 swapped))))))

(deftest corrupt-byte
  (let [b (block/encode 7 1)]
    (aset-byte b 1000 (unchecked-byte (inc (aget b 1000))))
    (is (= :corrupt (:error (block/decode 7 b))))))

(deftest garbage
  (let [b (byte-array 4096)]
    (.nextBytes (java.util.Random. 1) b)
    (is (= :garbage (:error (block/decode 7 b))))))
