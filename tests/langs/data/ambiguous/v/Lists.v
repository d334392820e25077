Require Import List.
Import ListNotations.

Fixpoint length {A : Type} (l : list A) : nat :=
  match l with
  | [] => 0
  | _ :: t => S (length t)
  end.

Theorem app_length : forall A (l1 l2 : list A),
  length (l1 ++ l2) = length l1 + length l2.
Proof.
  intros A l1 l2. induction l1; simpl; auto.
Qed.
