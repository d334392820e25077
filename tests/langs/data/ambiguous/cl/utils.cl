(in-package :utils)

(defun flatten (tree)
  "Flatten a nested list."
  (cond ((null tree) nil)
        ((atom tree) (list tree))
        (t (append (flatten (car tree)) (flatten (cdr tree))))))
