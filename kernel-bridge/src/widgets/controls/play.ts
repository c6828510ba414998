/**
 * Play: an animation counter. The frontend advances `value` every `interval` ms while playing and
 * sends each step, so the kernel runs no timer; it only observes value$ and playing$.
 */
import { Observable } from 'rxjs';
import { bool, int, Traits } from '../traits';
import { Accessors, Options } from '../widget';
import { ValueWidget } from './value-widget';
import { clampValue } from './bounded';
import { descriptionTraits, DescriptionState } from './dom';
import { controlTraits, ModelState } from './model';
import { DescriptionStyle } from './styles';

export interface PlayState extends ModelState, DescriptionState<DescriptionStyle> {
  value: number;
  min: number;
  max: number;
  step: number;
  /** Milliseconds between steps; the frontend does the stepping and sends each value. */
  interval: number;
  playing: boolean;
  repeat: boolean;
  show_repeat: boolean;
  disabled: boolean;
}

const traits = (): Traits<PlayState> => ({
  ...controlTraits('PlayModel', 'PlayView'),
  ...descriptionTraits((init) => new DescriptionStyle(init)),
  value: int(0),
  min: int(0),
  max: int(100),
  step: int(1),
  interval: int(100),
  playing: bool(false),
  repeat: bool(false),
  show_repeat: bool(true),
  disabled: bool(false),
});

export interface Play extends Accessors<PlayState> {}
export class Play extends ValueWidget<PlayState> {
  constructor(options: Options<PlayState> = {}) {
    super(traits(), options);
  }

  get playing$(): Observable<boolean> {
    return this.observe('playing');
  }

  protected override coerce(next: PlayState, touched: ReadonlySet<keyof PlayState>): void {
    clampValue(next, touched);
  }
}
