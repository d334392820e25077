let rec sum = function
    | [] -> 0
    | x :: xs -> x + sum xs

printfn "%d" (sum [1; 2; 3])
