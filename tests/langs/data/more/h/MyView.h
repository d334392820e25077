#import <UIKit/UIKit.h>

typedef void (^CompletionBlock)(BOOL finished);

@protocol MyViewDelegate <NSObject>
- (void)viewDidTap:(id)sender;
@end

@interface MyView : UIView
@property (nonatomic, weak) id<MyViewDelegate> delegate;
- (void)animateWithCompletion:(CompletionBlock)completion;
@end
