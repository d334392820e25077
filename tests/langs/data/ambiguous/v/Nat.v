From Coq Require Import Arith.

Definition double (n : nat) := n + n.

Lemma double_plus : forall n, double n = 2 * n.
Proof. intros n. unfold double. lia. Qed.
