printfn "hi"
