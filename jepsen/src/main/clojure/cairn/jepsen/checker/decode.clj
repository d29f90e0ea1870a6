(ns cairn.jepsen.checker.decode
  "Decode invariants, in one pass: no read saw a torn block (sectors of different writes or of
  none), a misdirected one (another block's data, or sectors out of place), a corrupt one (bad
  checksum) or garbage (not our stamp at all).")

(defn check [history]
  (let [bad (->> history
                 (filter #(and (= :ok (:type %)) (= :read (:f %)) (:decode %)))
                 (mapv #(select-keys % [:index :time :process :value :decode :final?])))]
    {:valid? (empty? bad)
     :reads (count (filter #(and (= :ok (:type %)) (= :read (:f %))) history))
     :bad-count (count bad)
     :by-kind (frequencies (map (comp :error :decode) bad))
     :bad (vec (take 20 bad))}))
