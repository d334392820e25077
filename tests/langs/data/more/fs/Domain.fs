module Domain

type Customer = { Id: int; Name: string; Email: string }

let validate (c: Customer) =
    if String.IsNullOrWhiteSpace c.Email then Error "missing email"
    else Ok c
