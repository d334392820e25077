#!/usr/bin/env escript
-module(server).
-export([main/1]).

main(_) ->
    io:format("hello~n").
