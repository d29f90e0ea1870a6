(ns cairn.jepsen.test-runner
  "Runs the harness's own tests and prints one `N passed, N failed` line for CI; exits 1 on any
  failure or error."
  (:require [clojure.test :as t]))

(def namespaces '[cairn.jepsen.checker.linear-test cairn.jepsen.checker.invariants-test cairn.jepsen.block-test
                 cairn.jepsen.generator-test cairn.jepsen.nemesis-test])

(defn -main [& _]
  (apply require namespaces)
  (let [{:keys [pass fail error test]} (apply t/run-tests namespaces)]
    (println (format "jepsen checker tests: %d passed, %d failed (%d assertions in %d tests)"
                     (- test (+ fail error)) (+ fail error) (+ pass fail error) test))
    (shutdown-agents)
    (System/exit (if (zero? (+ fail error)) 0 1))))
