export PATH="$HOME/bin:$PATH"
alias ll='ls -la'
[ -f ~/.git-completion.bash ] && source ~/.git-completion.bash
