(defun f () nil)
