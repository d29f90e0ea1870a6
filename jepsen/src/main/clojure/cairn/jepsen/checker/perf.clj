(ns cairn.jepsen.checker.perf
  "latency.svg: every client op's latency over time (log scale; ok, fail and info in their own
  colours) above the throughput of ok reads and writes per second, with fault windows shaded and
  primary moves drawn as lines. Plain SVG, written by hand: no gnuplot needed."
  (:require [cairn.jepsen.checker.availability :as availability]
            [clojure.string :as str]))

(def ^:private fault-colours
  {:kill "#f4a582" :pause "#92c5de" :start-partition "#fddbc7" :start-loss "#d1e5f0"
   :crash-all "#d6604d" :move-primary "#762a83"})

(def ^:private fault-labels
  {:kill "kill -9" :pause "pause (SIGSTOP)" :start-partition "partition" :start-loss "packet loss"
   :crash-all "crash all" :move-primary "primary move"})

(def ^:private type-colours {:ok "#1b7837" :fail "#b2182b" :info "#e08214"})

(defn- latencies
  "[{:f :type :time :latency-ms}] for completed client ops."
  [history]
  (loop [[e & more] history, open {}, out []]
    (if-not e
      out
      (cond
        (not (integer? (:process e))) (recur more open out)
        (= :invoke (:type e)) (recur more (assoc open (:process e) e) out)
        :else (let [inv (open (:process e))]
                (recur more (dissoc open (:process e))
                       (if inv
                         (conj out {:f (:f e) :type (:type e) :time (:time inv) :final? (:final? inv)
                                    :latency-ms (max 0.01 (/ (- (:time e) (:time inv)) 1e6))})
                         out)))))))

(defn- esc [s] (-> (str s) (str/replace "&" "&amp;") (str/replace "<" "&lt;")))

(defn svg
  "The plot as an SVG string; `title` goes on top."
  [history title]
  (let [w 1100, lh 330, th 200, left 70, right 20, top 40, gap 50
        ops (latencies history)
        t-end (max 1.0 (/ (or (:time (peek history)) 0) 1e9))
        x (fn [t-s] (+ left (* (- w left right) (/ t-s t-end))))
        max-lat (max 10.0 (reduce max 1.0 (map :latency-ms ops)))
        lo (Math/log10 0.1), hi (Math/log10 (* 2 max-lat))
        y-lat (fn [ms] (+ top (* lh (- 1 (/ (- (Math/log10 (max 0.1 ms)) lo) (- hi lo))))))
        t2 (+ top lh gap)
        ;; the final reads (after the workload) would dwarf the workload's rate: not counted
        buckets (frequencies (for [o ops :when (and (= :ok (:type o)) (not (:final? o)))] [(:f o) (long (/ (:time o) 1e9))]))
        max-rate (max 1 (reduce max 0 (vals buckets)))
        y-rate (fn [r] (+ t2 (* th (- 1 (/ r max-rate)))))
        windows (availability/windows history)
        sb (StringBuilder.)
        out (fn [& xs] (doseq [s xs] (.append sb (str s))))]
    (out "<svg xmlns='http://www.w3.org/2000/svg' width='" w "' height='" (+ t2 th 80)
         "' font-family='sans-serif' font-size='11'>\n<rect width='100%' height='100%' fill='white'/>\n")
    (out "<text x='" left "' y='20' font-size='14'>" (esc title) "</text>\n")
    ;; fault windows, shaded across both panels
    (doseq [{:keys [f start end]} windows
            :let [x0 (x (/ start 1e9)) x1 (x (/ end 1e9)) c (fault-colours f "#cccccc")]]
      (if (= start end)
        (out "<line x1='" x0 "' x2='" x0 "' y1='" top "' y2='" (+ t2 th) "' stroke='" c "' stroke-width='1.5'/>\n")
        (out "<rect x='" x0 "' y='" top "' width='" (max 1 (- x1 x0)) "' height='" (- (+ t2 th) top)
             "' fill='" c "' opacity='0.45'/>\n")))
    ;; axes
    (doseq [[y0 h label] [[top lh "latency (ms, log)"] [t2 th "ok ops/s"]]]
      (out "<rect x='" left "' y='" y0 "' width='" (- w left right) "' height='" h "' fill='none' stroke='#444'/>\n")
      (out "<text x='12' y='" (+ y0 (/ h 2)) "' transform='rotate(-90 12 " (+ y0 (/ h 2)) ")'>" label "</text>\n"))
    (doseq [ms [0.1 1 10 100 1000 10000] :when (<= ms (* 2 max-lat))]
      (out "<text x='" (- left 5) "' y='" (+ 4 (y-lat ms)) "' text-anchor='end'>" ms "</text>"
           "<line x1='" left "' x2='" (- w right) "' y1='" (y-lat ms) "' y2='" (y-lat ms) "' stroke='#ddd'/>\n"))
    (doseq [r [0 (quot max-rate 2) max-rate]]
      (out "<text x='" (- left 5) "' y='" (+ 4 (y-rate r)) "' text-anchor='end'>" r "</text>\n"))
    (let [step (max 1 (long (/ t-end 10)))]
      (doseq [t (range 0 (inc t-end) step)]
        (out "<text x='" (x t) "' y='" (+ t2 th 15) "' text-anchor='middle'>" t "</text>\n")))
    (out "<text x='" (/ w 2) "' y='" (+ t2 th 30) "' text-anchor='middle'>seconds since the start</text>\n")
    ;; latency points (writes circles, reads squares); past 12,000 points only a sample of the ok
    ;; ones is drawn (every fail and info op always is), so the file stays small
    (doseq [{:keys [f type time latency-ms]} (let [n (count ops) k (max 1 (quot n 12000))]
                                               (keep-indexed (fn [i o] (when (or (not= :ok (:type o)) (zero? (mod i k))) o)) ops))
            :let [px (x (/ time 1e9)) py (y-lat latency-ms) c (type-colours type)]]
      (if (= f :write)
        (out "<circle cx='" (format "%.1f" (double px)) "' cy='" (format "%.1f" (double py)) "' r='1.6' fill='" c "' opacity='0.6'/>\n")
        (out "<rect x='" (format "%.1f" (- px 1.4)) "' y='" (format "%.1f" (- py 1.4)) "' width='2.8' height='2.8' fill='" c "' opacity='0.6'/>\n")))
    ;; throughput lines
    (doseq [[f c] [[:write "#2166ac"] [:read "#5aae61"]]]
      (let [pts (for [s (range 0 (inc (long t-end)))] [(x (+ s 0.5)) (y-rate (get buckets [f s] 0))])]
        (out "<polyline fill='none' stroke='" c "' stroke-width='1.2' points='"
             (str/join " " (map (fn [[a b]] (format "%.1f,%.1f" (double a) (double b))) pts)) "'/>\n")))
    ;; legend: op types and rates on one row, faults on the next
    (let [rows [[["ok" (type-colours :ok)] ["fail" (type-colours :fail)] ["info" (type-colours :info)]
                 ["ok writes/s" "#2166ac"] ["ok reads/s" "#5aae61"] ["write: circle, read: square" nil]]
                (for [f (distinct (map :f windows))] [(fault-labels f (name f)) (fault-colours f "#cccccc")])]]
      (doseq [[r items] (map-indexed vector rows)
              [i [label c]] (map-indexed vector items)
              :let [y (+ t2 th 40 (* r 16))]]
        (when c (out "<rect x='" (+ left (* i 120)) "' y='" y "' width='10' height='10' fill='" c "'/>"))
        (out "<text x='" (+ left 14 (* i 120)) "' y='" (+ y 9) "'>" (esc label) "</text>\n")))
    (out "</svg>\n")
    (str sb)))
