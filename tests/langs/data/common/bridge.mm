#import <Foundation/Foundation.h>
#include <vector>
