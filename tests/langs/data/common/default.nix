{ pkgs }: pkgs.hello
