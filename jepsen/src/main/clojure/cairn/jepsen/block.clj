(ns cairn.jepsen.block
  "The register encoding of a 4 KiB block: every 512-byte sector carries a magic, the write's id,
  the block number, the sector's index, a filler derived from the id and a CRC32 of the rest, so a
  read tells which write it sees, or that the block is torn (sectors of different writes),
  misdirected (another block's data, or sectors out of place), corrupt (bad checksum) or garbage."
  (:import (java.nio ByteBuffer)
           (java.util Arrays)
           (java.util.zip CRC32)))

(set! *warn-on-reflection* true)

(def block-size 4096)
(def sector-size 512)
(def ^:private sectors (quot block-size sector-size))
(def ^:private magic 0x434149524e4a4550) ; "CAIRNJEP"

(defn- crc ^long [^bytes b off len]
  (let [c (CRC32.)] (.update c b (int off) (int len)) (.getValue c)))

(defn encode
  "The 4 KiB a write of `id` to block `block` stores."
  ^bytes [^long block ^long id]
  (let [b (byte-array block-size)
        bb (ByteBuffer/wrap b)]
    (dotimes [s sectors]
      (let [base (* s sector-size)]
        (.putLong bb base magic)
        (.putLong bb (+ base 8) id)
        (.putLong bb (+ base 16) block)
        (.putInt bb (+ base 24) s)
        (loop [i (+ base 28), x (unchecked-add (unchecked-multiply id 0x9E3779B97F4A7C15) s)]
          (when (< i (+ base (- sector-size 4)))
            (aset-byte b i (unchecked-byte x))
            (recur (inc i) (unchecked-add (unchecked-multiply x 6364136223846793005) 1442695040888963407))))
        (.putInt bb (+ base (- sector-size 4)) (unchecked-int (crc b base (- sector-size 4))))))
    b))

(defn- decode-sector [^bytes b ^long s]
  (let [base (* s sector-size)
        bb (ByteBuffer/wrap b)]
    (cond
      (let [z (byte-array sector-size)] (Arrays/equals b (int base) (int (+ base sector-size)) ^bytes z (int 0) (int sector-size))) :zero
      (not= magic (.getLong bb base)) :garbage
      (not= (unchecked-int (crc b base (- sector-size 4))) (.getInt bb (+ base (- sector-size 4)))) :corrupt
      :else {:id (.getLong bb (+ base 8)) :block (.getLong bb (+ base 16)) :sector (.getInt bb (+ base 24))})))

(defn decode
  "What a read of block `block` saw: {:id n} (0: never written, all zeros), or {:error kind ...}
  with kind :torn, :misdirected, :corrupt or :garbage and the per-sector detail."
  [^long block ^bytes b]
  (let [ss (mapv #(decode-sector b %) (range sectors))]
    (cond
      (every? #{:zero} ss) {:id 0}
      (some #{:corrupt} ss) {:error :corrupt :sectors ss}
      (some #{:garbage} ss) {:error :garbage :sectors ss}
      (some #{:zero} ss) {:error :torn :sectors ss}
      (not (apply = (map :id ss))) {:error :torn :sectors ss}
      (or (some #(not= block (:block %)) ss)
          (not= (range sectors) (map :sector ss))) {:error :misdirected :sectors ss}
      :else {:id (:id (first ss))})))
