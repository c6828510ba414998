/**
 * Button: a control with no value, only clicks. The frontend reports a click as a custom
 * {event: 'click'} message; this file turns those into click$.
 */
import { Observable, Subject } from 'rxjs';
import { bool, oneOf, str, Traits, widgetRef } from '../traits';
import { Accessors, Options, Widget } from '../widget';
import { BUTTON_STYLES, ButtonStyleName, domTraits, DomState } from './dom';
import { controlTraits, ModelState } from './model';
import { ButtonStyle } from './styles';

export interface ButtonState extends ModelState, DomState {
  description: string;
  disabled: boolean;
  icon: string;
  button_style: ButtonStyleName;
  style: ButtonStyle;
}

const traits = (): Traits<ButtonState> => ({
  ...controlTraits('ButtonModel', 'ButtonView'),
  ...domTraits(),
  description: str(''),
  disabled: bool(false),
  icon: str(''),
  button_style: oneOf(BUTTON_STYLES, ''),
  style: widgetRef((init) => new ButtonStyle(init)),
});

export interface Button extends Accessors<ButtonState> {}
export class Button extends Widget<ButtonState> {
  private readonly clicks = new Subject<Button>();
  /** Each click in any view (the frontend sends custom {event: 'click'}); completes on close. */
  readonly click$: Observable<Button> = this.clicks.asObservable();

  constructor(options: Options<ButtonState> = {}) {
    super(traits(), options);
    this.custom$.subscribe({
      next: ({ content }) => {
        if (typeof content === 'object' && content !== null && (content as { event?: unknown }).event === 'click') {
          this.clicks.next(this);
        }
      },
      complete: () => this.clicks.complete(),
    });
  }

  /** Clicks programmatically, as ipywidgets' Button.click() does. */
  click(): void {
    this.clicks.next(this);
  }
}
