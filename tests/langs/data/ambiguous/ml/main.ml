open Printf

let () =
  let args = Array.to_list Sys.argv in
  List.iter (printf "%s\n") args
