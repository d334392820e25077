% guessing game
target = randi(100);
guess = -1;
while guess != target
  guess = input("Your guess: ");
  if guess < target
    disp("higher");
  elseif guess > target
    disp("lower");
  endif
endwhile
