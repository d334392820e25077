module Program

open System

let square x = x * x

[<EntryPoint>]
let main argv =
    [1..10] |> List.map square |> List.iter (printfn "%d")
    0
